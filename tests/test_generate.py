"""The generation loop with an in-process provider: layout, resume, concurrency limit, totals."""

from __future__ import annotations

import json
import threading
import time

from harness.run.generate import generate, summarize
from harness.llm.base import Completion, GenerationParams, Usage
from harness.run.prompting import load_ideas, select_ideas

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


def test_one_cassette_takes_every_turn_and_replay_keys_on_the_messages_and_parameters(tmp_path):
    """record_turn is the one writer; replay answers by messages + sample, preferring the asked parameters."""
    import pytest

    from harness.llm.replay import ReplayMiss, ReplayProvider, record_turn

    cassette = tmp_path / "cassette.jsonl"
    ask = [{"role": "user", "content": "write prune()"}]
    fix = ask + [{"role": "assistant", "content": "x"}, {"role": "user", "content": "NameError: sk-secret"}]
    cold, hot = GenerationParams(temperature=0.2), GenerationParams(temperature=0.9)
    turns = [("generation", ask, cold, "cold"), ("evolution", ask, hot, "hot"), ("repair", fix, cold, "fixed")]
    for purpose, messages, params, text in turns:
        record_turn(cassette, purpose=purpose, provider=FakeProvider(), messages=messages, params=params,
                    sample_index=0, idea="random", completion=Completion(text=text, model="m"), redact=["sk-secret"])
    lines = [json.loads(line) for line in cassette.read_text().splitlines()]
    assert [e["purpose"] for e in lines] == ["generation", "evolution", "repair"]
    assert lines[2]["messages"][2]["content"] == "NameError: [redacted]" and lines[0]["model"] == "fake/model-1"
    with pytest.raises(ValueError, match="purpose must be one of generation, repair, evolution"):
        record_turn(cassette, purpose="chat", provider=FakeProvider(), messages=ask, params=cold, sample_index=0,
                    idea="random", completion=Completion(text="", model="m"))

    replay = ReplayProvider(cassette)
    assert replay.complete(ask, cold, 0).text == "cold"       # the same question at two temperatures:
    assert replay.complete(ask, hot, 0).text == "hot"         # each answered as it was asked
    assert replay.complete(ask, GenerationParams(temperature=0.5), 0).text == "hot"   # edited params: the latest
    assert replay.complete(fix, cold, 0).text == "fixed" and replay.complete(fix, cold, 0).cached
    # A failure that recurs with another object address in its message is the same failure.
    crash = ask + [{"role": "assistant", "content": "x"},
                   {"role": "user", "content": "TypeError: <function f at 0x7f3a2c1b9e40> is not a tensor"}]
    record_turn(cassette, purpose="repair", provider=FakeProvider(), messages=crash, params=cold, sample_index=0,
                idea="random", completion=Completion(text="fixed again", model="m"))
    recurred = crash[:2] + [{"role": "user", "content": "TypeError: <function f at 0x7f00aa11bb22> is not a tensor"}]
    assert ReplayProvider(cassette).complete(recurred, cold, 0).text == "fixed again"
    with pytest.raises(ReplayMiss, match="a repair's failure that did not recur"):
        replay.complete(ask[:1] + [{"role": "assistant", "content": "x"}, {"role": "user", "content": "other"}],
                        cold, 0)


def test_replay_reads_several_cassettes_and_old_lines_without_a_purpose(tmp_path):
    """An old export (evolution's turns in a second file, no purpose field) replays from both files."""
    from harness.run.config import load_config
    from harness.run.generate import make_generator
    from harness.llm.replay import ReplayProvider

    old = {"provider": {"kind": "fake"}, "model": "m", "params": GenerationParams().key_fields(), "idea": "random"}
    a, b = tmp_path / "cassette.jsonl", tmp_path / "evolution-cassette.jsonl"
    from harness.llm.keys import prompt_hash
    first, second = [{"role": "user", "content": "one"}], [{"role": "user", "content": "two"}]
    a.write_text(json.dumps({**old, "prompt_hash": prompt_hash(first), "messages": first, "sample_index": 0,
                             "completion": {"text": "A", "model": "m"}}) + "\n")
    b.write_text(json.dumps({**old, "prompt_hash": prompt_hash(second), "messages": second, "sample_index": 3,
                             "completion": {"text": "B", "model": "m"}}) + "\n")
    toml = tmp_path / "old.toml"
    toml.write_text(f'[[generation.generators]]\nprovider = "replay"\nmodel = "m"\ncassette = ["{a}", "{b}"]\n')
    (g,) = load_config(toml).generation.generators
    assert g.cassette == (str(a), str(b))
    provider, params = make_generator(g, tmp_path / "run")
    assert provider.complete(first, params, 0).text == "A" and provider.complete(second, params, 3).text == "B"
    assert provider.identity() == {"kind": "replay", "cassette": ["cassette.jsonl", "evolution-cassette.jsonl"]}
    assert ReplayProvider(a).identity() == {"kind": "replay", "cassette": "cassette.jsonl"}   # old cache keys hold


def test_an_export_from_before_the_one_cassette_still_replays_from_its_two_cassettes():
    """An export from before the one cassette (reports/evolve-qwen-coder as committed on 2026-12-03, kept in
    tests/fixtures since its re-make): with both files every recorded turn is answered."""
    from pathlib import Path

    from harness.llm.replay import ReplayProvider

    export = Path(__file__).resolve().parent / "fixtures" / "evolve-qwen-coder-2026-12-03"
    files = [export / "cassette.jsonl", export / "evolution-cassette.jsonl"]
    replay = ReplayProvider(files, model="qwen2.5-coder-1.5b")
    recorded = [json.loads(line) for f in files for line in f.read_text().splitlines()]
    assert len(recorded) > 2 and not any("purpose" in e for e in recorded)
    for e in recorded:
        got = replay.complete(e["messages"], GenerationParams(**e["params"]), e["sample_index"])
        assert got.cached and got.text == e["completion"]["text"]


def test_warm_cache_turns_a_cassette_into_free_hits_and_leaves_new_questions_to_the_model(tmp_path):
    """Resuming from an export: recorded turns cost no call; a question never recorded reaches the model."""
    from harness.llm.cache import CachedProvider, ResponseCache
    from harness.llm.replay import record_turn, warm_cache

    cassette = tmp_path / "cassette.jsonl"
    params = GenerationParams(temperature=0.8, max_tokens=600)
    asked = [{"role": "user", "content": "write a score"}]
    recorded = Completion(text="recorded reply", model="fake/model-1", usage=Usage(10, 5), latency_s=1.0,
                          cost_usd=0.5, finish_reason="stop", raw={})
    record_turn(cassette, purpose="search", provider=FakeProvider(), messages=asked, params=params,
                sample_index=3, idea="search-discovery", completion=recorded)
    assert warm_cache(cassette, tmp_path / "llm-cache") == 1

    live = FakeProvider()
    cached = CachedProvider(live, ResponseCache(tmp_path / "llm-cache"))
    hit = cached.complete(asked, params, sample_index=3)
    assert (hit.text, hit.cached, live.calls) == ("recorded reply", True, 0)
    # Another sample index, other parameters, or another provider identity is a different question.
    assert cached.complete(asked, params, sample_index=4).text == CODE and live.calls == 1
    assert cached.complete(asked, params.replace(temperature=0.2), sample_index=3).text == CODE and live.calls == 2
    other = FakeProvider()
    other.identity = lambda: {"kind": "fake", "gguf_sha256": "another model"}
    assert CachedProvider(other, ResponseCache(tmp_path / "llm-cache")).complete(asked, params, 3).text == CODE
    assert other.calls == 1
