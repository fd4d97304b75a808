"""The results store's read side: frozen, typed records that read back what was written, JSON decoded."""

from __future__ import annotations

import dataclasses
import json
import sqlite3

import pytest

from harness.run.store import CandidateRecord, FitnessRow, JobKey, JobResult, JobRow, ResultsStore


def test_records_are_frozen(tmp_path):
    with ResultsStore(tmp_path / "results.sqlite") as store:
        store.put(JobResult(JobKey("reference", "wanda", "m", 0.5, "unstructured", "s"), "ok", perplexity=7.0))
        store.put_candidate(CandidateRecord("a/o1/sample-0", "a", "openai:o1", 0, "ok"))
        store.put_fitness("a/o1/sample-0", "s", "h", 2.0, "ok", [])
        (job,), (cand,), fit = store.rows(), store.candidates(), store.fitness("s", program="a/o1/sample-0")
    for record, name in ((job, "perplexity"), (cand, "status"), (fit, "fitness")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(record, name, None)


def test_a_candidate_reads_back_as_written_with_when(tmp_path):
    written = CandidateRecord("l1/o1/sample-0-r1", "l1", "openai:o1", 0, "syntax-error", detail="line 3",
                              path="/x/sample-0-r1.py", round=1, parent="l1/o1/sample-0", prompt_tokens=10,
                              completion_tokens=20, cost_usd=0.5, latency_s=1.5,
                              extra={"mode": "evolve", "heldout": [{"level": 0.5, "perplexity": None}]})
    with ResultsStore(tmp_path / "results.sqlite") as store:
        store.put_candidate(written)
        store.put_candidate(CandidateRecord("l1/o1/sample-1", "l1", "openai:o1", 1, "ok"))
        read = store.candidates(round=1)
        plain = store.candidates(id="l1/o1/sample-1")
    assert len(read) == 1 and isinstance(read[0], CandidateRecord)
    assert read[0].finished_at is not None
    assert read[0] == dataclasses.replace(written, finished_at=read[0].finished_at)
    assert plain[0].extra == {} and plain[0].detail == "" and plain[0].path is None


def test_a_job_reads_back_with_every_column_and_json_decoded(tmp_path):
    key = JobKey("candidate", "l1/o1/sample-0", "smollm2", 0.5, "2:4", "setup0")
    fingerprint = {"model_spec": "smollm2", "calibration": {"source": "c4", "nsamples": 16}}
    result = JobResult(key, "ok", "fine", idea="l1", generator="openai:o1", sample=0, achieved_sparsity=0.5,
                       perplexity=12.5, prune_seconds=1.0, eval_seconds=2.0, peak_memory_bytes=1024,
                       fingerprint=fingerprint, fingerprint_digest="abc", artefacts={"pruner": "/x/l1.py"},
                       extra={"continuation": "University is", "zero_shot": {"piqa": {"acc": 0.6}}})
    with ResultsStore(tmp_path / "results.sqlite") as store:
        store.put(result)
        (row,) = store.rows(kind="candidate")
    assert row == JobRow(key=key.digest, kind="candidate", method="l1/o1/sample-0", idea="l1", generator="openai:o1",
                         sample=0, model="smollm2", sparsity=0.5, pattern="2:4", status="ok", detail="fine",
                         achieved_sparsity=0.5, perplexity=12.5, prune_seconds=1.0, eval_seconds=2.0,
                         peak_memory_bytes=1024, fingerprint=fingerprint, fingerprint_digest="abc",
                         artefacts={"pruner": "/x/l1.py"},
                         extra={"continuation": "University is", "zero_shot": {"piqa": {"acc": 0.6}}},
                         finished_at=row.finished_at)
    # Every column of the jobs table has its field, in the table's order.
    with sqlite3.connect(tmp_path / "results.sqlite") as db:
        columns = [c[1] for c in db.execute("PRAGMA table_info(jobs)")]
    assert [f.name for f in dataclasses.fields(JobRow)] == columns


def test_null_json_columns_read_as_the_readers_always_took_them(tmp_path):
    """Rows written with NULL JSON (older stores): no fingerprint, empty artefacts and extra, empty detail."""
    path = tmp_path / "results.sqlite"
    ResultsStore(path).close()
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO jobs (key, kind, method, model, sparsity, pattern, status, finished_at) "
                   "VALUES ('k', 'dense', 'dense', 'm', 0.0, 'unstructured', 'ok', 1.0)")
        db.execute("INSERT INTO candidates (id, idea, generator, sample, status, extra, finished_at) "
                   "VALUES ('c', 'i', 'g', 0, 'ok', 'null', 1.0)")
        db.execute("INSERT INTO fitness (program, setup, status, finished_at) VALUES ('c', 's', 'ok', 1.0)")
    with ResultsStore(path) as store:
        (job,), (cand,) = store.rows(), store.candidates()
        fit = store.fitness("s", program="c")
    assert (job.fingerprint, job.artefacts, job.extra, job.detail) == (None, {}, {}, "")
    assert (cand.extra, cand.detail, cand.round) == ({}, "", 0)
    assert fit == FitnessRow("c", "s", None, None, "ok", [], 1.0)


def test_held_out_fitness_reads_back_with_its_levels(tmp_path):
    levels = [{"level": 0.5, "status": "ok", "perplexity": 40.0, "detail": ""}]
    with ResultsStore(tmp_path / "results.sqlite") as store:
        store.put_fitness("p", "s", "h", 3.7, "ok", levels)
        by_program, by_hash = store.fitness("s", program="p"), store.fitness("s", ast_hash="h")
        assert store.fitness("other", program="p") is None
    assert by_program == by_hash == FitnessRow("p", "s", "h", 3.7, "ok", levels, by_program.finished_at)
    assert json.dumps(by_program.levels) == json.dumps(levels)
