"""The generation loop with an in-process provider: layout, resume, concurrency limit, totals."""

from __future__ import annotations

import json
import threading
import time

from harness.generate import generate, summarize
from harness.llm.base import Completion, GenerationParams, Usage
from harness.prompting import load_ideas, select_ideas

CODE = "```python\nimport torch\n\ndef prune(model, sparsity, calib, **kw):\n    pass\n```"


class FakeProvider:
    kind = "fake"
    model = "fake/model-1"
    max_concurrency = None

    def __init__(self, cost=0.01):
        self.calls, self.in_flight, self.peak = 0, 0, 0
        self.cost = cost
        self._lock = threading.Lock()

    def identity(self):
        return {"kind": self.kind}

    def complete(self, messages, params, sample_index=0):
        with self._lock:
            self.calls += 1
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        time.sleep(0.05)
        with self._lock:
            self.in_flight -= 1
        return Completion(text=CODE, model=self.model, usage=Usage(1000, 200), latency_s=0.05, cost_usd=self.cost,
                          finish_reason="stop", raw={"sample": sample_index})


def test_layout_resume_and_concurrency(tmp_path):
    ideas = select_ideas("random,l1-norm,magnitude", load_ideas())
    p, params = FakeProvider(), GenerationParams(temperature=0.5)
    records = generate(ideas, p, params, 3, tmp_path, concurrency=2)
    assert len(records) == 9 and p.calls == 9 and p.peak == 2
    assert all(r.status == "ok" for r in records)
    py = tmp_path / "random" / "fake-model-1" / "sample-2.py"
    head = py.read_text().split("\n\n")[0]
    assert "idea: random" in head and "fake/model-1" in head and records[2].prompt_hash in head and "date: " in head
    meta = json.loads((tmp_path / "random" / "fake-model-1" / "sample-2.json").read_text())
    assert meta["prompt_tokens"] == 1000 and meta["cost_usd"] == 0.01 and (tmp_path / meta["raw_path"]).is_file()
    assert len((tmp_path / "cassette.jsonl").read_text().splitlines()) == 9
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["cost_usd"] == 0.09 or abs(run["cost_usd"] - 0.09) < 1e-9
    assert abs(run["cost_per_extracted_candidate_usd"] - 0.01) < 1e-9

    generate(ideas, p, params, 3, tmp_path)                       # same run again: nothing to do
    assert p.calls == 9
    generate(ideas[:1], p, params.replace(temperature=0.9), 3, tmp_path)  # new parameters: regenerated
    assert p.calls == 12


def test_unknown_price_is_unknown_not_zero(tmp_path):
    records = generate(select_ideas("random", load_ideas()), FakeProvider(cost=None), GenerationParams(), 2, tmp_path)
    s = summarize(records)
    assert s["cost_usd"] is None and s["cost_per_extracted_candidate_usd"] is None and s["completion_tokens"] == 400
