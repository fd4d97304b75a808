"""End to end: prunegen run on a tiny config through the real sandbox, a replay generator, two levels.

Checks the store and the report table by table, then kills a run mid-way and resumes it.
"""

from __future__ import annotations

import json
import shutil
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.run.config import load_config
from harness.llm.base import Completion, GenerationParams, Usage
from harness.llm.replay import cassette_line
from harness.run.pipeline import run
from harness.run.prompting import load_ideas, render_messages
from harness.cli.run import write_report
from harness.run.store import ResultsStore
from candidates import GOOD

pytestmark = pytest.mark.docker

CRASHES = '''Here is the code:
```python
def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu"):
    raise RuntimeError("kmeans did not converge")
```'''
PROSE = "Gradient-based pruning removes weights with small gradients. I hope this helps!"
TRUNCATED = "```python\ndef prune(model, sparsity, calib, *, pattern='unstructured', device='cpu'):\n    for (n"

REPLIES = {"l1-norm": GOOD, "k-means-clustering": CRASHES, "gradient-based": PROSE, "random": TRUNCATED}
LEVELS = (0.3, 0.6)


def write_cassette(path: Path) -> None:
    ideas = load_ideas()
    lines = []
    for idea_id, text in REPLIES.items():
        messages = render_messages(ideas[idea_id])
        completion = Completion(text=text, model="recorded-model", usage=Usage(1000, 200), latency_s=1.5,
                                cost_usd=0.01, finish_reason="stop")
        lines.append(cassette_line(identity={"kind": "openai", "base_url": None}, model="recorded-model",
                                   messages=messages, params=GenerationParams(), sample_index=0, idea=idea_id,
                                   completion=completion))
    path.write_text("\n".join(lines) + "\n")


def write_config(tmp: Path, model_dir: Path, text: Path, out: Path) -> Path:
    cassette = tmp / "cassette.jsonl"
    write_cassette(cassette)
    cfg = tmp / "tiny.toml"
    cfg.write_text(f"""
[run]
name = "tiny end-to-end"
out = "{out}"
[model]
specs = ["{model_dir}"]
[eval]
source = "text:{text}"
seqlen = 32
max_windows = 2
[calibration]
source = "text:{text}"
nsamples = 4
seqlen = 32
[sparsity]
levels = {list(LEVELS)}
[generation]
ideas = {json.dumps(list(REPLIES))}
[[generation.generators]]
provider = "replay"
model = "recorded-model"
cassette = "{cassette}"
[sandbox]
timeout_s = 120
memory = "2g"
[references]
methods = ["magnitude", "wanda", "-weights", "bias", "-bias", "movement"]
""")
    return cfg


@pytest.fixture(scope="module")
def tiny_run(tiny_model_dir, tmp_path_factory, sandbox_tmp):
    tmp = tmp_path_factory.mktemp("e2e")
    text = tmp / "text.txt"
    text.write_text("The quick brown fox jumps over the lazy dog. " * 200)
    cfg = load_config(write_config(tmp, tiny_model_dir, text, tmp / "run"))
    run_dir = run(cfg, echo=lambda *_: None, report=write_report)
    return run_dir, cfg


def jobs(run_dir: Path) -> dict:
    with ResultsStore(run_dir / "results.sqlite") as store:
        return {(r.method, r.sparsity): r for r in store.rows()}


def test_references_are_scored_through_the_sandbox(tiny_run):
    run_dir, _ = tiny_run
    j = jobs(run_dir)
    dense = j[("dense", 0.0)]
    assert dense.status == "ok" and dense.perplexity > 1
    for method in ("magnitude", "wanda", "-weights"):
        for level in LEVELS:
            r = j[(method, level)]
            assert r.status == "ok", r
            assert r.achieved_sparsity >= level - 0.001
            assert r.perplexity > 0 and r.fingerprint_digest == dense.fingerprint_digest
            assert r.extra["backend"] == "docker"
    assert j[("wanda", 0.3)].fingerprint["calibration"]["nsamples"] == 4
    assert j[("wanda", 0.3)].fingerprint["calibration"]["draw"] == "get_wikitext2"   # one text: its draw
    assert j[("magnitude", 0.3)].fingerprint["calibration"] is None  # data-free: no calibration claimed
    mv = j[("movement", 0.3)]
    assert mv.status == "ok" and mv.extra["hyperparameters"]["weights"] == "frozen"
    assert "hyperparameters" not in j[("wanda", 0.3)].extra
    # Scored with the pruned weights, not the dense ones (a random tiny model: values, not rankings).
    assert len({round(j[(m, 0.6)].perplexity, 6) for m in ("magnitude", "wanda", "-weights")} | {
        round(dense.perplexity, 6)}) == 4


def test_the_prompts_example_runs_beside_the_programs_and_a_program_returning_its_model_is_it(tiny_run):
    """The replayed l1-norm program is per-layer magnitude in its own words (topk, not the example's kthvalue):
    the interface's example, run beside it at its levels, returned the same model, by digest."""
    run_dir, _ = tiny_run
    j = jobs(run_dir)
    with ResultsStore(run_dir / "results.sqlite") as store:
        good = next(c.id for c in store.candidates() if c.idea == "l1-norm")
    for level in LEVELS:
        example, program = j[("interface-example", level)], j[(good, level)]
        assert example.status == program.status == "ok"
        for key in ("mask_sha256", "kept_sha256"):
            assert example.extra[key] == program.extra[key]
        assert example.perplexity == program.perplexity
        assert j[("wanda", level)].extra["mask_sha256"] != example.extra["mask_sha256"]
    import pandas as pd
    t4 = pd.read_csv(run_dir / "report" / "table4.csv", dtype=str, keep_default_na=False).set_index("Core Idea")
    assert t4.loc["l1-norm", "Example copy"] == "in effect: interface-example"


def test_bias_ablation_is_not_applicable_at_every_level(tiny_run):
    j = jobs(tiny_run[0])
    for method in ("bias", "-bias"):
        for level in LEVELS:
            assert j[(method, level)].status == "not-applicable"
            assert "no bias" in j[(method, level)].detail


def test_candidates_generation_and_run_statuses(tiny_run):
    run_dir, _ = tiny_run
    with ResultsStore(run_dir / "results.sqlite") as store:
        cands = {c.idea: c for c in store.candidates()}
    assert {i: c.status for i, c in cands.items()} == {
        "l1-norm": "ok", "k-means-clustering": "ok", "gradient-based": "no-code", "random": "syntax-error"}
    assert cands["l1-norm"].generator == "replay:recorded-model"
    assert cands["l1-norm"].extra["paper_number"] == "02"
    j = jobs(run_dir)
    good, bad = cands["l1-norm"].id, cands["k-means-clustering"].id
    for level in LEVELS:
        assert j[(good, level)].status == "ok" and j[(good, level)].perplexity > 0
    # The scoring policy: an erroring candidate is not re-run at the other levels.
    assert j[(bad, LEVELS[0])].status == "runtime-error"
    assert "kmeans did not converge" in j[(bad, LEVELS[0])].detail
    assert j[(bad, LEVELS[1])].status == "skipped"
    # Programs that never ran have no jobs.
    assert not any(k[0] in (cands["gradient-based"].id, cands["random"].id) for k in j)


def test_report_tables(tiny_run):
    run_dir, _ = tiny_run
    report = (run_dir / "report" / "report.md").read_text()
    j = jobs(run_dir)
    assert f"{j[('wanda', 0.3)].perplexity:.3f}" in report
    assert "not applicable: model has no bias" in report
    for status in ("no-code", "syntax-error", "runtime-error"):
        assert status in report
    assert "University is" in report or "Table 6" in report
    for name in ("report.html", "figure1.png", "table1.csv"):
        assert (run_dir / "report" / name).is_file(), name


def test_kill_and_resume_redoes_nothing(tiny_model_dir, tmp_path, sandbox_tmp):
    text = tmp_path / "text.txt"
    text.write_text("Pack my box with five dozen liquor jugs. " * 200)
    out = tmp_path / "run"
    cfg_path = write_config(tmp_path, tiny_model_dir, text, out)
    db = out / "results.sqlite"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "harness.cli.main", "run", str(cfg_path), "--no-report"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.time() + 300
        while time.time() < deadline:
            if db.is_file():
                try:
                    with sqlite3.connect(db) as c:
                        if c.execute("SELECT count(*) FROM jobs").fetchone()[0] >= 4:
                            break
                except sqlite3.OperationalError:  # the file exists a moment before its schema
                    pass
            assert proc.poll() is None, "the run ended before it could be killed"
            time.sleep(0.2)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    with sqlite3.connect(db) as c:
        before = dict(c.execute("SELECT key, finished_at FROM jobs").fetchall())
    # dense + 6 configured references + the interface's own example (run beside interface-form
    # candidates, so a copy of it is seen as one) + 2 runnable candidates, x 2 levels
    expected = 1 + (6 + 1) * 2 + 2 * 2
    assert 4 <= len(before) < expected, "killed too late to test resuming"

    run(load_config(cfg_path), echo=lambda *_: None)
    with sqlite3.connect(db) as c:
        after = dict(c.execute("SELECT key, finished_at FROM jobs").fetchall())
    assert {k: after[k] for k in before} == before   # nothing finished before the kill ran again
    assert len(after) == expected
    # The killed harness's containers were reaped by the rerun (other runs may share the engine).
    import socket

    import docker
    owner = f"prunegen.owner={socket.gethostname()}:{proc.pid}"
    assert docker.from_env().containers.list(all=True, filters={"label": owner}) == []
    assert not list(sandbox_tmp.glob(f"job-{proc.pid}-*"))


def test_retry_runs_machine_failures_again_and_nothing_else(tiny_model_dir, tmp_path, sandbox_tmp):
    """`prunegen run --retry timeout`: a timed-out reference sweep (and the level it skipped) runs again."""
    from harness.cli.main import main

    text = tmp_path / "text.txt"
    text.write_text("Pack my box with five dozen liquor jugs. " * 200)
    out = tmp_path / "run"
    cfg_path = write_config(tmp_path, tiny_model_dir, text, out)
    run(load_config(cfg_path), echo=lambda *_: None)
    db = out / "results.sqlite"
    with sqlite3.connect(db) as c:   # as if wanda had timed out under a load that is gone, skipping 0.6
        c.execute("UPDATE jobs SET status = 'timeout', perplexity = NULL WHERE method = 'wanda' AND sparsity = ?",
                  (LEVELS[0],))
        c.execute("UPDATE jobs SET status = 'skipped', perplexity = NULL WHERE method = 'wanda' AND sparsity = ?",
                  (LEVELS[1],))
        before = dict(c.execute("SELECT key, finished_at FROM jobs").fetchall())
        crashed = c.execute("SELECT count(*) FROM jobs WHERE status = 'runtime-error'").fetchone()[0]
    assert crashed >= 1   # the crashing candidate: a program's failure, which --retry timeout leaves alone

    assert main(["run", str(cfg_path), "--no-report", "--retry", "timeout"]) == 0
    with sqlite3.connect(db) as c:
        after = {k: (t, s, m) for k, t, s, m in c.execute("SELECT key, finished_at, status, method FROM jobs")}
    assert set(after) == set(before)
    rerun = {k for k in after if after[k][0] != before[k]}
    assert {after[k][2] for k in rerun} == {"wanda"} and len(rerun) == 2
    assert all(after[k][1] == "ok" for k in rerun)
    assert sum(v[1] == "runtime-error" for v in after.values()) == crashed


def test_forget_and_retry_statuses(tmp_path):
    from harness.run.pipeline import parse_retry
    from harness.run.store import JobKey, JobResult

    with ResultsStore(tmp_path / "r.sqlite") as store:
        for method, statuses in {"a": ("timeout", "skipped"), "b": ("runtime-error", "skipped"), "c": ("ok", "ok")}.items():
            for level, status in zip((0.5, 0.7), statuses):
                store.put(JobResult(JobKey("candidate", method, "m", level, "unstructured", "s"), status))
        store.put_fitness("p1", "s", "h1", None, "timeout", [])
        store.put_fitness("p2", "s", "h2", 1.0, "ok", [])
        assert store.forget({"timeout"}) == (2, 1)
        assert sorted((r.method, r.status) for r in store.rows()) == [
            ("b", "runtime-error"), ("b", "skipped"), ("c", "ok"), ("c", "ok")]
        assert store.fitness("s", program="p1") is None and store.fitness("s", program="p2") is not None
    assert parse_retry("timeout, killed") == {"timeout", "killed"}
    with pytest.raises(ValueError, match="ok: give one or more of timeout"):
        parse_retry("timeout,ok")


def test_verify_rescores_a_sample_bit_for_bit_and_catches_a_changed_number(tiny_run, tmp_path):
    from harness.run.verify import verify_run

    run_dir, cfg = tiny_run
    lines = []
    checks = verify_run(run_dir, cfg, sample=3, seed=0, echo=lines.append)
    assert len(checks) == 4 and checks[0].job.startswith("dense")
    assert all(c.identical for c in checks), lines
    assert all(line.lstrip().startswith("identical") for line in lines)
    # The same run with one stored number nudged by one part in 1e12: the check must see it.
    copy = tmp_path / "run"
    copy.mkdir()
    shutil.copy(run_dir / "results.sqlite", copy / "results.sqlite")
    with sqlite3.connect(copy / "results.sqlite") as c:
        c.execute("UPDATE jobs SET perplexity = perplexity * (1 + 1e-12) WHERE kind != 'dense'")
    nudged = verify_run(copy, cfg, sample=3, seed=0, echo=lambda *_: None)
    assert nudged[0].identical and not any(c.identical for c in nudged[1:])
    assert [c.job for c in nudged] == [c.job for c in checks]


def test_verify_cli_needs_the_runs_config(tiny_run, tmp_path, capsys):
    from harness.cli.main import main

    empty = tmp_path / "norun"
    empty.mkdir()
    assert main(["report", "--verify", str(empty)]) == 2
    assert "config.toml not found; pass the run's config with --config" in capsys.readouterr().err


def test_a_references_only_run_asks_no_generator(tmp_path):
    """``ideas = []``: no generator is looked up or named in the log (a Table 3 run printed
    "generating: 0 ideas x 1 samples with local:smollm2-135m")."""
    from harness.run.config import ExperimentConfig, GenerationConfig
    from harness.run.pipeline import generate_candidates
    from harness.run.prompting import load_ideas

    cfg = ExperimentConfig(generation=GenerationConfig(ideas=()))
    assert cfg.generation.generators, "the default config names a generator, which must not be asked"
    said = []
    out = generate_candidates(cfg, tmp_path, store=None, generators={}, catalogue=load_ideas(), echo=said.append)
    assert out == [] and said == []
