"""``prunegen report RUN --export DEST``: a run folder becomes a folder to commit, with nothing lost or invented."""

from __future__ import annotations

import argparse
import hashlib

import pytest

from harness.cli.export import ExportError, export_run
from harness.core.interface import Status
from harness.report import render
from harness.cli.report import register
from harness.run.store import CandidateRecord, JobKey, JobResult, ResultsStore

MODEL = "smollm2-135m"
FP = {"model_spec": MODEL, "weights_sha256": "ab" * 32, "seqlen": 2048, "windows": 1, "dtype": "float32",
      "device": "cpu", "data": {"source": "wikitext2:test"}}
SAMPLE0 = "l1-norm/qwen2.5-coder-1.5b/sample-0"
REPAIR = "random/qwen2.5-coder-1.5b-score/sample-1-r2"
CHILD = "l1-norm/qwen2.5-coder-1.5b/evolve-smollm2-135m/g1-c0"


def job(store, kind, method, level, ppl, **ids):
    store.put(JobResult(JobKey(kind, method, MODEL, level, "unstructured", "setup0"), str(Status.OK), "",
                        achieved_sparsity=level, perplexity=ppl, prune_seconds=1.0, eval_seconds=1.0,
                        fingerprint=FP, fingerprint_digest="d1", extra={}, **ids))


@pytest.fixture()
def run_dir(tmp_path, monkeypatch):
    """A run made as ``prunegen run`` makes one from the folder above it: program paths relative to there."""
    monkeypatch.chdir(tmp_path)
    run = tmp_path / "runs" / "r"
    programs = {SAMPLE0: run / "candidates/l1-norm/qwen2.5-coder-1.5b/sample-0.py",
                REPAIR: run / "candidates/random/qwen2.5-coder-1.5b-score/sample-1-r2.py",
                CHILD: run / "evolution/smollm2-135m/l1-norm/qwen2.5-coder-1.5b/g1-c0.py"}
    for cid, p in programs.items():
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(f"# {cid}\ndef prune(model, sparsity, **kw):\n    pass\n")
    (run / "candidates/cassette.jsonl").write_text('{"reply": "a"}\n')
    (run / "evolution/cassette.jsonl").write_text('{"reply": "b"}\n')
    (run / "config.toml").write_text('[run]\nname = "the run own title"\nout = "runs/r"\n')
    (run / "config-overrides.txt").write_text("generation.repair_rounds=3\n")
    (run / "llm-cache").mkdir()
    (run / "llm-cache" / "big.json").write_text("{}")
    with ResultsStore(run / "results.sqlite") as s:
        job(s, "dense", "dense", 0.0, 15.0)
        job(s, "reference", "magnitude", 0.5, 300.0)
        job(s, "reference", "wanda", 0.5, 35.0)
        for i, (cid, p) in enumerate(programs.items()):
            idea, gen = cid.split("/")[0], "local:" + cid.split("/")[1]
            # one path stored absolute, the others relative to the working folder of the run
            path = str(p) if cid == CHILD else str(p.relative_to(tmp_path))
            s.put_candidate(CandidateRecord(cid, idea, gen, i, "ok", path=path))
            job(s, "candidate", cid, 0.5, 400.0 + i, idea=idea, generator=gen, sample=i)
        s.put_candidate(CandidateRecord("seed:magnitude", "l1-norm", "human", 0, "ok", path="/elsewhere/magnitude.py"))
    return run


def test_export_keeps_report_config_replies_and_programs(run_dir, tmp_path):
    dest = tmp_path / "reports" / "r"
    ex = export_run(run_dir, dest)
    names = {f.as_posix() for f in ex.files}
    assert ex.programs == 3
    for want in ("report.md", "report.html", "table1.csv", "config.toml", "config-overrides.txt", "cassette.jsonl",
                 "evolution-cassette.jsonl", "EXPORT.txt", f"programs/{SAMPLE0}.py", f"programs/{REPAIR}.py",
                 f"programs/{CHILD}.py"):
        assert want in names, want
    assert not any("llm-cache" in n or "results.sqlite" in n or "magnitude.py" in n for n in names)
    assert (dest / "programs" / f"{REPAIR}.py").read_text().startswith(f"# {REPAIR}\n")
    assert (dest / "config-overrides.txt").read_text() == "generation.repair_rounds=3\n"
    assert (dest / "report.md").read_text().startswith("# the run own title\n")   # as `prunegen run` titles it
    render(run_dir, tmp_path / "plain")                # the same tables as a plain `prunegen report`
    assert (dest / "table1.csv").read_bytes() == (tmp_path / "plain" / "table1.csv").read_bytes()
    assert "0.50,35.000,not run,300.000" in (dest / "table1.csv").read_text()
    listed = dict(reversed(line.split("  ", 1)) for line in (dest / "EXPORT.txt").read_text().splitlines()[2:])
    assert set(listed) == names - {"EXPORT.txt"}
    for rel, digest in listed.items():
        assert hashlib.sha256((dest / rel).read_bytes()).hexdigest() == digest


def test_export_replaces_an_earlier_export_but_not_other_folders(run_dir, tmp_path):
    dest = tmp_path / "out"
    export_run(run_dir, dest)
    (dest / "stale.csv").write_text("from an older export")
    export_run(run_dir, dest)                         # an earlier export: replaced whole
    assert not (dest / "stale.csv").exists()

    work = tmp_path / "work"
    work.mkdir()
    (work / "notes.txt").write_text("mine")
    with pytest.raises(ExportError, match="not empty and holds no EXPORT.txt"):
        export_run(run_dir, work)
    assert (work / "notes.txt").read_text() == "mine"
    export_run(run_dir, work, force=True)
    assert not (work / "notes.txt").exists() and (work / "EXPORT.txt").is_file()


def test_a_missing_program_is_named_and_nothing_is_written(run_dir, tmp_path):
    (run_dir / "candidates/random/qwen2.5-coder-1.5b-score/sample-1-r2.py").unlink()
    dest = tmp_path / "out"
    with pytest.raises(ExportError, match=r"1 program file\(s\).*sample-1-r2"):
        export_run(run_dir, dest)
    assert not dest.exists()


def test_a_moved_run_and_a_seeded_store_still_export(run_dir, tmp_path):
    """Paths that no longer resolve are found inside the run; a file the store names elsewhere is taken."""
    other = tmp_path / "other-run" / "candidates" / "x.py"
    other.parent.mkdir(parents=True)
    other.write_text("# from the run this store was seeded from\n")
    with ResultsStore(run_dir / "results.sqlite") as s:
        s.put_candidate(CandidateRecord("x/qwen2.5-coder-1.5b/sample-0", "x", "local:qwen2.5-coder-1.5b", 0, "ok",
                                        path=str(other)))
    moved = run_dir.rename(tmp_path / "moved")     # every stored path inside it is stale now
    ex = export_run(moved, tmp_path / "out")
    assert ex.programs == 4
    assert (tmp_path / "out/programs/x/qwen2.5-coder-1.5b/sample-0.py").read_text().startswith("# from the run")
    assert (tmp_path / f"out/programs/{CHILD}.py").read_text().startswith(f"# {CHILD}\n")


def test_cli(run_dir, tmp_path, capsys):
    parser = argparse.ArgumentParser(prog="prunegen")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["report", str(run_dir), "--export", str(tmp_path / "x")])
    assert args.func(args) == 0
    assert "3 programs" in capsys.readouterr().out
    args = parser.parse_args(["report", str(tmp_path / "nowhere"), "--export", str(tmp_path / "y")])
    assert args.func(args) == 2
    assert "results.sqlite not found" in capsys.readouterr().err
    args = parser.parse_args(["report", str(run_dir), "--export", str(tmp_path / "z"), "--out", str(tmp_path / "w")])
    assert args.func(args) == 2
