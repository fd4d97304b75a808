"""``prunegen export-model``: a stored job re-made through the sandbox and written as a Hugging Face folder
that ``AutoModelForCausalLM.from_pretrained`` loads, with the stored perplexity and mask; a run whose
fingerprint or number no longer matches is refused and nothing is written.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
import torch

from candidates import GOOD
from harness.run.config import load_config
from harness.llm.base import Completion, GenerationParams, Usage
from harness.llm.replay import cassette_line
from harness.run.pipeline import run
from harness.run.prompting import load_ideas, render_messages
from harness.run.store import JobRow, ResultsStore

pytestmark = pytest.mark.docker
LEVEL = 0.5


@pytest.fixture(scope="module")
def small_run(tiny_model_dir, tmp_path_factory, sandbox_tmp):
    """A real run through the sandbox: magnitude, wanda and one replayed machine-written program at 0.5."""
    tmp = tmp_path_factory.mktemp("export-model")
    text = tmp / "text.txt"
    text.write_text("The quick brown fox jumps over the lazy dog. " * 200)
    cassette = tmp / "cassette.jsonl"
    ideas = load_ideas()
    cassette.write_text(cassette_line(
        identity={"kind": "openai", "base_url": None}, model="recorded-model", messages=render_messages(ideas["l1-norm"]),
        params=GenerationParams(), sample_index=0, idea="l1-norm",
        completion=Completion(text=GOOD, model="recorded-model", usage=Usage(10, 10), latency_s=1.0, cost_usd=0.0,
                              finish_reason="stop")) + "\n")
    run_dir = tmp / "run"
    config = tmp / "config.toml"
    config.write_text(f"""
[run]
out = "{run_dir}"
[model]
specs = ["{tiny_model_dir}"]
[eval]
source = "text:{text}"
seqlen = 32
max_windows = 2
prompt = ""
[calibration]
source = "text:{text}"
nsamples = 4
seqlen = 32
[sparsity]
levels = [{LEVEL}]
[generation]
ideas = ["l1-norm"]
[[generation.generators]]
provider = "replay"
model = "recorded-model"
cassette = "{cassette}"
[sandbox]
timeout_s = 120
memory = "2g"
[references]
methods = ["magnitude", "wanda"]
""")
    cfg = load_config(config)
    run(cfg, echo=lambda *_: None)
    shutil.copyfile(config, run_dir / "config.toml")   # as `prunegen run` keeps it
    with ResultsStore(run_dir / "results.sqlite") as store:
        candidate = next(c.id for c in store.candidates() if c.idea == "l1-norm")
    return run_dir, cfg, candidate


def stored(run_dir: Path, method: str) -> JobRow:
    with ResultsStore(run_dir / "results.sqlite") as store:
        [row] = [r for r in store.rows(method=method) if r.sparsity == LEVEL]
    return row


def check_folder(dest: Path, cfg, row: JobRow) -> None:
    """DEST loads with plain transformers and gives the stored perplexity and the stored mask, bit for bit."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from harness.core.data import eval_text
    from harness.core.evaluate import eval_windows
    from harness.core.perplexity import perplexity
    from harness.core.program_identity import tensor_digests
    from harness.core.sparsity import measure_model, prunable_weight_names

    names = {p.name for p in dest.iterdir()}
    assert {"model.safetensors", "config.json", "generation_config.json", "tokenizer.json", "README.md",
            "prunegen-export.json"} <= names, names
    model = AutoModelForCausalLM.from_pretrained(str(dest)).eval()
    tok = AutoTokenizer.from_pretrained(str(dest))
    assert model.dtype == torch.float32
    windows = eval_windows(tok, eval_text(cfg.eval.source), cfg.eval)
    assert perplexity(model, windows).perplexity == row.perplexity       # bit for bit
    state = model.state_dict()
    digests = tensor_digests({n: state[n] for n in prunable_weight_names(model)})
    assert digests["mask_sha256"] == row.extra["mask_sha256"]          # the same zeros
    assert digests["kept_sha256"] == row.extra["kept_sha256"]          # and the same kept weights
    assert measure_model(model).overall == pytest.approx(row.achieved_sparsity, abs=1e-12)
    card = (dest / "README.md").read_text()
    info = json.loads((dest / "prunegen-export.json").read_text())
    assert info["fingerprint_digest"] == row.fingerprint_digest and row.fingerprint_digest in card
    assert repr(row.perplexity) in card and "## Sparsity per layer" in card
    assert "model.layers.0.self_attn.q_proj.weight" in card
    assert "def prune(" in card                                          # the pruner's source
    assert info["sparsity"]["overall"] == pytest.approx(row.achieved_sparsity, abs=1e-12)


def test_a_reference_job_exports_as_a_loadable_folder(small_run, tmp_path):
    from harness.cli.export_model import export_model

    run_dir, cfg, _ = small_run
    row = stored(run_dir, "wanda")
    ex = export_model(run_dir, cfg, tmp_path / "wanda-0.5", method="wanda", level=LEVEL, echo=lambda *_: None)
    assert ex.perplexity == row.perplexity
    check_folder(ex.dest, cfg, row)
    assert "`wanda` (reference)" in (ex.dest / "README.md").read_text()
    assert '"nsamples": 4' in (ex.dest / "README.md").read_text()        # wanda's calibration, in the fingerprint


def test_a_machine_written_job_exports_through_the_cli(small_run, tmp_path, capsys):
    from harness.cli.main import main

    run_dir, cfg, candidate = small_run
    row = stored(run_dir, candidate)
    dest = tmp_path / "program-0.5"
    assert main(["export-model", str(run_dir), "--candidate", candidate, "--level", str(LEVEL), str(dest)]) == 0
    out = capsys.readouterr().out
    assert f"perplexity {row.perplexity!r} (re-made bit for bit)" in out
    check_folder(dest, cfg, row)
    card = (dest / "README.md").read_text()
    assert "machine-written program" in card and "torch.topk" in card   # the replayed program's own source
    # A second export into the same folder (an earlier export-model) replaces it; an unrelated folder is refused.
    assert main(["export-model", str(run_dir), "--candidate", candidate, "--level", str(LEVEL), str(dest)]) == 0
    other = tmp_path / "someone-elses"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    assert main(["export-model", str(run_dir), "--candidate", candidate, "--level", str(LEVEL), str(other)]) == 2
    assert "not empty and not an earlier export-model" in capsys.readouterr().err


def tampered_copy(run_dir: Path, tmp: Path, sql: str, *args) -> Path:
    copy = tmp / "run"
    copy.mkdir(parents=True)
    for name in ("results.sqlite", "config.toml"):
        shutil.copy(run_dir / name, copy / name)
    with sqlite3.connect(copy / "results.sqlite") as c:
        assert c.execute(sql, args).rowcount == 1
    return copy


def test_a_run_whose_fingerprint_changed_is_refused(small_run, tmp_path, capsys):
    from harness.cli.main import main
    from harness.core.fingerprint import EvalFingerprint

    run_dir, _, _ = small_run
    row = stored(run_dir, "magnitude")
    fp = {**row.fingerprint, "weights_sha256": "0" * 64}            # as if made from other weights
    digest = EvalFingerprint(**fp).digest
    # A run made from other weights (its fingerprint and digest agree, but not with this model) ...
    copy = tampered_copy(run_dir, tmp_path / "a", "UPDATE jobs SET fingerprint = ?, fingerprint_digest = ? WHERE key = ?",
                         json.dumps(fp), digest, row.key)
    dest = tmp_path / "out"
    assert main(["export-model", str(copy), "--method", "magnitude", "--level", str(LEVEL), str(dest)]) == 2
    err = capsys.readouterr().err
    assert "the run's fingerprint no longer matches" in err
    assert f"its fingerprint {digest} is {row.fingerprint_digest} here" in err
    assert f"weights_sha256 '{'0' * 64}' -> '{row.fingerprint['weights_sha256']}'" in err
    assert not dest.exists() and not (tmp_path / "out.partial").exists()
    # ... and a row whose fingerprint was edited without its digest.
    copy = tampered_copy(run_dir, tmp_path / "b", "UPDATE jobs SET fingerprint = ? WHERE key = ?", json.dumps(fp),
                         row.key)
    assert main(["export-model", str(copy), "--method", "magnitude", "--level", str(LEVEL), str(dest)]) == 2
    err = capsys.readouterr().err
    assert f"its stored fingerprint hashes to {digest}, not to its recorded digest {row.fingerprint_digest}" in err
    assert not dest.exists()


def test_a_number_that_does_not_come_back_bit_for_bit_is_refused(small_run, tmp_path):
    from harness.cli.export_model import ExportModelError, export_model

    run_dir, cfg, _ = small_run
    row = stored(run_dir, "magnitude")
    nudged = row.perplexity * (1 + 1e-12)
    copy = tampered_copy(run_dir, tmp_path, "UPDATE jobs SET perplexity = ? WHERE key = ?", nudged, row.key)
    with pytest.raises(ExportModelError) as e:
        export_model(copy, cfg, tmp_path / "out", method="magnitude", level=LEVEL, echo=lambda *_: None)
    assert f"perplexity {row.perplexity!r}, the store holds {nudged!r}" in str(e.value)
    assert not (tmp_path / "out").exists()


def test_unknown_jobs_are_named(small_run, tmp_path):
    from harness.cli.export_model import ExportModelError, export_model

    run_dir, cfg, _ = small_run
    with pytest.raises(ExportModelError, match=r"its ok levels are 0\.5"):
        export_model(run_dir, cfg, tmp_path / "o", method="wanda", level=0.7, echo=lambda *_: None)
    with pytest.raises(ExportModelError, match="references with ok jobs: .*magnitude.*wanda"):
        export_model(run_dir, cfg, tmp_path / "o", method="sparsegpt", level=LEVEL, echo=lambda *_: None)
