"""The transformers engine of the local provider (SmolLM2-135M-Instruct) writes a real reply, offline on the CPU."""

from __future__ import annotations

import pytest

from harness.run.extract import extract_code
from harness.core.interface import Status
from harness.llm import make_provider
from harness.llm.base import GenerationParams
from harness.run.prompting import load_ideas, render_messages

pytestmark = pytest.mark.slow


def test_smollm2_generates_a_reply_for_one_idea():
    provider = make_provider({"kind": "local", "engine": "transformers"})   # auto would pick llama.cpp
    messages = render_messages(load_ideas()["magnitude"])
    c = provider.complete(messages, GenerationParams(temperature=0.0, max_tokens=48), 0)
    assert c.text.strip() and c.model == "smollm2-135m" and c.cost_usd == 0.0
    assert c.usage.prompt_tokens > 1000 and 0 < c.usage.completion_tokens <= 48
    assert c.raw["weights_sha256"] and c.finish_reason in ("stop", "length")
    ex = extract_code(c.text)
    assert ex.status in (Status.OK, Status.NO_CODE, Status.SYNTAX_ERROR)


def test_a_base_model_without_chat_template_is_asked_in_plain_text(tiny_dir):
    """A base model (no chat template, like gemma3-270m) still generates; the reply records how it was asked."""
    from harness.llm.local import LocalProvider, render_prompt
    from harness.core.models import load_model

    tok = load_model(str(tiny_dir)).tokenizer
    assert not getattr(tok, "chat_template", None)
    messages = [{"role": "system", "content": "Write code."}, {"role": "user", "content": "Prune it. "}]
    prompt, fmt = render_prompt(tok, messages)
    assert fmt == "plain" and prompt == "System:\nWrite code.\n\nUser:\nPrune it.\n\nAssistant:\n"
    c = LocalProvider(str(tiny_dir)).complete(messages, GenerationParams(temperature=0.0, max_tokens=8), 0)
    assert c.raw["prompt_format"] == "plain" and c.raw["prompt"] == prompt
    assert 0 < c.usage.completion_tokens <= 8


def test_an_instruct_model_uses_its_chat_template(smollm2):
    from harness.llm.local import render_prompt

    prompt, fmt = render_prompt(smollm2.tokenizer, [{"role": "user", "content": "hi"}])
    assert fmt == "chat-template" and prompt.startswith("<|im_start|>")
