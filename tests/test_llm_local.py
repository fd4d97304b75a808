"""The local SmolLM2-135M-Instruct provider writes a real reply, offline on the CPU."""

from __future__ import annotations

import pytest

from harness.extract import extract_code
from harness.interface import Status
from harness.llm import make_provider
from harness.llm.base import GenerationParams
from harness.prompting import load_ideas, render_messages

pytestmark = pytest.mark.slow


def test_smollm2_generates_a_reply_for_one_idea():
    provider = make_provider({"kind": "local"})
    messages = render_messages(load_ideas()["magnitude"])
    c = provider.complete(messages, GenerationParams(temperature=0.0, max_tokens=48), 0)
    assert c.text.strip() and c.model == "smollm2-135m" and c.cost_usd == 0.0
    assert c.usage.prompt_tokens > 1000 and 0 < c.usage.completion_tokens <= 48
    assert c.raw["weights_sha256"] and c.finish_reason in ("stop", "length")
    ex = extract_code(c.text)
    assert ex.status in (Status.OK, Status.NO_CODE, Status.SYNTAX_ERROR)
