"""The repair loop, end to end: the real openai SDK against a scripted local server, the real sandbox.

A program that crashes goes back to its model with the status and traceback as a second turn; the
repaired program is a new candidate linked to its parent, runs again, and the report counts fix@1.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.run.config import load_config
from harness.run.pipeline import run
from harness.cli.run import write_report
from harness.run.store import ResultsStore
from candidates import GOOD
from fake_openai import FakeOpenAI

pytestmark = pytest.mark.docker

CRASHES = '''```python
def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    centroids = None
    return centroids.shape  # kmeans never initialised
```'''
PROSE = "K-means clustering groups weights; prune the cluster nearest zero."


def write_config(path, out, model_dir, text, generator: str):
    """The repair test's run: three ideas, two repair rounds, one sparsity level; ``generator`` its table."""
    path.write_text(f"""
[run]
out = "{out}"
[model]
specs = ["{model_dir}"]
[eval]
source = "text:{text}"
seqlen = 32
max_windows = 1
[calibration]
source = "text:{text}"
nsamples = 2
seqlen = 32
[sparsity]
levels = [0.5]
[generation]
ideas = ["l1-norm", "k-means-clustering", "random"]
repair_rounds = 2
[[generation.generators]]
{generator}
[sandbox]
timeout_s = 60
memory = "2g"
[references]
methods = []
""")
    return path


def programs(run_dir) -> dict[str, str | None]:
    """Every candidate of a run: its program without the provenance header (date, provider), or None."""
    with ResultsStore(run_dir / "results.sqlite") as store:
        return {c.id: (Path(c.path).read_text().split("\n\n", 1)[1] if c.path else None)
                for c in store.candidates()}


def test_failures_go_back_to_the_model_and_repairs_are_linked(tiny_model_dir, tmp_path, sandbox_tmp, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    text = tmp_path / "text.txt"
    text.write_text("Sphinx of black quartz, judge my vow. " * 200)
    with FakeOpenAI() as server:
        # one-pass: l1-norm works, k-means crashes, random answers prose; then the two repairs, in order
        server.script = [("ok", GOOD), ("ok", CRASHES), ("ok", PROSE), ("ok", GOOD), ("ok", PROSE)]
        generator = f"""
provider = "openai-compatible"
base_url = "{server.base_url}"
model = "fake-coder"
concurrency = 1
timeout_s = 10
"""
        cfg_path = write_config(tmp_path / "repair.toml", tmp_path / "run", tiny_model_dir, text, generator)
        run_dir = run(load_config(cfg_path), echo=lambda *_: None, report=write_report)
        requests = list(server.requests)

    with ResultsStore(run_dir / "results.sqlite") as store:
        cands = {c.id: c for c in store.candidates()}
        jobs = {r.method: r for r in store.rows(kind="candidate")}
    kmeans = "k-means-clustering/fake-coder/sample-0"
    assert cands[kmeans].status == "ok" and jobs[kmeans].status == "runtime-error"
    fixed = cands[kmeans + "-r1"]
    assert (fixed.round, fixed.parent, fixed.status) == (1, kmeans, "ok")
    assert jobs[kmeans + "-r1"].status == "ok"
    assert kmeans + "-r2" not in cands            # it works: nothing left to repair
    # The prose answer is repaired twice and never works.
    rnd = "random/fake-coder/sample-0"
    assert [cands[rnd + s].status for s in ("", "-r1", "-r2")] == ["no-code"] * 3
    assert cands[rnd + "-r2"].parent == rnd + "-r1"
    assert len(requests) == 3 + 2 + 1                # 3 one-pass, 2 repairs in round 1, 1 in round 2

    # The repair turn is a real second turn: the original ask, the model's own reply, then the failure.
    repair_req = requests[3]["body"]["messages"]
    assert [m["role"] for m in repair_req] == ["system", "user", "assistant", "user"]
    assert "centroids.shape" in repair_req[2]["content"]
    assert "runtime-error" in repair_req[3]["content"] and "NoneType" in repair_req[3]["content"]

    t4c = (run_dir / "report" / "table4c.csv").read_text().splitlines()
    header, row = t4c[0].split(","), t4c[1].split(",")
    values = dict(zip(header, row))
    # Raw: every program that runs counts. Valid, original: both programs that run (l1-norm's and the
    # k-means repair) return magnitude's model, a method in effect, so neither counts.
    assert values["pass@1 raw"] == "0.333" and values["fix@1 raw"] == "0.667" and values["fix@2 raw"] == "0.667"
    assert (values["pass@1"], values["fix@1"], values["fix@2"]) == ("0.000", "0.000", "0.000"), values
    assert "ok (round 1)" in (run_dir / "report" / "report.md").read_text()

    # Every turn, repairs included, is in the run's one cassette, so the run replays with no model at all:
    # the same failures recur, so the repair questions are asked again word for word and answered from it.
    cassette = run_dir / "candidates" / "cassette.jsonl"
    turns = [json.loads(line) for line in cassette.read_text().splitlines()]
    assert sorted(t["purpose"] for t in turns) == ["generation"] * 3 + ["repair"] * 3
    replay = f"""
provider = "replay"
model = "fake-coder"
cassette = "{cassette}"
concurrency = 1
"""
    again = run(load_config(write_config(tmp_path / "replay.toml", tmp_path / "replayed", tiny_model_dir, text,
                                         replay)), echo=lambda *_: None)
    with ResultsStore(again / "results.sqlite") as store:
        replayed = {c.id: c for c in store.candidates()}
    assert {i: c.status for i, c in replayed.items()} == {i: c.status for i, c in cands.items()}
    assert all(c.extra["cached"] for c in replayed.values())      # answered from the cassette, not asked
    assert programs(again) == programs(run_dir)


# ------------------------------------------------------------------ the real coder, recorded then replayed

REPO = Path(__file__).resolve().parents[1]
CODER_CONFIG = REPO / "configs" / "qwen-coder-0.5b.toml"
# The config as published, made small enough for the suite: one idea whose first sample the 0.5B coder gets
# wrong (reports/qwen-coder-0.5b: `random` fails at import), one sample, one repair round, one level, no
# references. Everything else (model, engine, temperature, sandbox) is the config's. Four real calls of 5-12 s
# on an idle 2-core host (minutes each when other work shares the cores), two sandbox sweeps per run.
SMALL = ['generation.ideas=["random"]', "generation.samples=1", "generation.repair_rounds=1",
         "sparsity.levels=[0.5]", "sparsity.candidate_levels=[0.5]", "references.methods=[]"]


@pytest.mark.slow
def test_replaying_the_qwen_coder_config_with_its_repairs_asks_no_model_and_reproduces_every_program(
        tmp_path, sandbox_tmp, user_cache, monkeypatch):
    from harness.llm.llama_server import LlamaCppProvider
    from harness.llm.local import LocalProvider
    from harness.llm.openai_provider import OpenAIProvider

    with user_cache():   # the coder's GGUF and SmolLM2 as make setup cached them
        recorded = run(load_config(CODER_CONFIG, SMALL + [f"run.out={tmp_path / 'recorded'}"]), echo=lambda *_: None)
    cassette = recorded / "candidates" / "cassette.jsonl"
    turns = [json.loads(line) for line in cassette.read_text().splitlines()]
    assert [t["purpose"] for t in turns].count("generation") == 1
    repairs = [t for t in turns if t["purpose"] == "repair"]
    assert repairs and all(t["model"] == "qwen2.5-coder-0.5b" and t["provider"]["engine"] == "llama.cpp"
                           for t in turns)
    assert all([m["role"] for m in t["messages"]] == ["system", "user", "assistant", "user"]
               and "status:" in t["messages"][-1]["content"] for t in repairs)
    first = programs(recorded)
    assert len([i for i in first if i.endswith("-r1")]) == len(repairs)

    def refuse(self, *args, **kwargs):
        raise AssertionError(f"replay started a model ({type(self).__name__})")
    for cls in (LlamaCppProvider, LocalProvider, OpenAIProvider):   # asking a model at all fails the test
        monkeypatch.setattr(cls, "__init__", refuse)
    replay = [f"run.out={tmp_path / 'replayed'}", "generation.generators.0.provider=replay",
              f"generation.generators.0.cassette={cassette}"]
    with user_cache():
        replayed = run(load_config(CODER_CONFIG, SMALL + replay), echo=lambda *_: None)
    with ResultsStore(recorded / "results.sqlite") as store:
        before = {c.id: (c.status, c.round, c.parent) for c in store.candidates()}
    with ResultsStore(replayed / "results.sqlite") as store:
        after = {c.id: (c.status, c.round, c.parent) for c in store.candidates()}
        assert all(c.extra["cached"] for c in store.candidates())   # every reply came from the cassette
    assert after == before                 # no generation-error: no turn, repairs included, missed the cassette
    assert programs(replayed) == first     # byte for byte below the provenance header
