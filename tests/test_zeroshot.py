"""Zero-shot scoring through lm-eval: the local ``wikitext`` task, its agreement with prunegen's perplexity
where both measure the same windows, and missing task data named before any model is loaded.

The correspondence (harness/core/perplexity.py against lm_eval.utils.get_rolling_token_windows with
context_len=1, as HFLM.loglikelihood_rolling calls it). prunegen tokenizes the evaluation text once into
S and scores W windows S[kL:(k+1)L], each predicting its L-1 tokens S[kL+1:(k+1)L] from the tokens before
them in the window. lm-eval, given one document D of tokens, a prefix token p and max_length L, scores
its first window as input [p] + D[0:L-1] predicting D[0:L], and window k >= 1 as input D[kL-1:(k+1)L-1]
predicting D[kL:(k+1)L]. With D = S[1:WL+1] and p = S[0], lm-eval's window k has input S[kL:(k+1)L]:
prunegen's window k, token for token, at the same positions. It predicts S[kL+1:(k+1)L+1]: prunegen's L-1
tokens plus one more, S[(k+1)L] (the next window's first token) from the whole window. So:

    lm-eval's log-likelihood of D  =  -(prunegen's NLL over the W windows S[kL:(k+1)L+1])
                                   =  -(prunegen's W x (L-1)-token NLL  +  the W boundary tokens' NLL)

and for one window and D = S[1:L] (no boundary token) lm-eval's token perplexity exp(-ll / (L-1)) is
prunegen's perplexity of that window. They agree to float rounding, not bit for bit: lm-eval takes
log_softmax of the model's full logits, prunegen the cross-entropy of lm_head over chunks of hidden
states, so the same sums come from differently shaped matmuls and reductions.
"""

from __future__ import annotations

import math

import pytest
import torch

pytest.importorskip("lm_eval")


def stream_task(text: str) -> dict:
    """An inline lm-eval task of one document, scored by lm-eval's rolling log-likelihood (a check, not a benchmark)."""
    import datasets

    return {"task": "prunegen_window_check", "dataset_path": "inline", "output_type": "loglikelihood_rolling",
            "custom_dataset": lambda **_: datasets.DatasetDict({"test": datasets.Dataset.from_list([{"page": text}])}),
            "test_split": "test", "doc_to_text": "", "doc_to_target": "{{page}}",
            "process_results": lambda doc, results: {"ll": results[0]},
            "metric_list": [{"metric": "ll", "aggregation": sum, "higher_is_better": True}],
            "metadata": {"version": 0}}


def lm_eval_loglikelihood(lm, text: str, first: int, L: int) -> float:
    from harness.run.zeroshot import evaluate
    res = evaluate(lm.model, lm.tokenizer, (), max_length=L, prefix_token_id=first, task_configs=[stream_task(text)])
    return res.scores["prunegen_window_check"]["ll"]


def test_lm_eval_and_prunegen_agree_on_the_same_windows(tiny_lm, data_dir):
    from harness.core.data import eval_text
    from harness.core.evaluate import EvalSetup, eval_windows
    from harness.core.perplexity import perplexity

    L, W = 64, 3
    windows = eval_windows(tiny_lm.tokenizer, eval_text("wikitext2"), EvalSetup(seqlen=L))   # prunegen's windows
    S = windows.reshape(-1)
    assert S.numel() > W * L
    # lm-eval reads text: the document must tokenize back to exactly these tokens.
    one, many = tiny_lm.tokenizer.decode(S[1:L]), tiny_lm.tokenizer.decode(S[1:W * L + 1])
    assert tiny_lm.tokenizer(one, add_special_tokens=False)["input_ids"] == S[1:L].tolist()
    assert tiny_lm.tokenizer(many, add_special_tokens=False)["input_ids"] == S[1:W * L + 1].tolist()

    # One window: the same L-1 predictions from the same inputs.
    ours = perplexity(tiny_lm.model, windows[:1])
    ll = lm_eval_loglikelihood(tiny_lm, one, int(S[0]), L)
    assert math.exp(-ll / (L - 1)) == pytest.approx(ours.perplexity, rel=1e-6)
    assert -ll == pytest.approx(ours.mean_nll * ours.tokens, rel=1e-6)

    # W windows: prunegen's windows plus each next window's first token.
    ll = lm_eval_loglikelihood(tiny_lm, many, int(S[0]), L)
    extended = torch.stack([S[k * L:(k + 1) * L + 1] for k in range(W)])
    ext = perplexity(tiny_lm.model, extended)
    assert -ll == pytest.approx(ext.mean_nll * ext.tokens, rel=1e-6)
    plain = perplexity(tiny_lm.model, windows[:W])
    boundary = -ll - plain.mean_nll * plain.tokens       # what lm-eval scores that prunegen does not
    assert 0 < boundary < -ll and ext.tokens - plain.tokens == W


def test_the_local_wikitext_task_is_lm_evals_own_on_the_local_file(tiny_lm, data_dir):
    """lm-eval's `wikitext` runs offline from PRUNEGEN_DATA_DIR: its 62 test articles, its metrics."""
    import re

    from harness.run.zeroshot import evaluate, missing_data, task_manager
    from lm_eval.tasks.wikitext.preprocess_wikitext import wikitext_detokenizer

    assert missing_data(("wikitext",)) == []
    assert str(task_manager()._entry("wikitext").yaml_path).endswith("harness/run/lmeval_tasks/wikitext.yaml")
    import sys
    sys.path.insert(0, str(__import__("harness.run.zeroshot").run.zeroshot.LOCAL_TASKS))
    from wikitext_local import load
    docs = load()["test"]
    assert len(docs) == 62 and docs[0]["page"].startswith(" = Robert Boulter = \n")
    res = evaluate(tiny_lm.model, tiny_lm.tokenizer, ("wikitext",), limit=1, max_length=256, log_samples=True)
    m = res.scores["wikitext"]
    assert set(m) == {"word_perplexity", "byte_perplexity", "bits_per_byte"}
    [sample] = res.samples["wikitext"]
    ll = sample["filtered_resps"][0]
    ll = ll[0] if isinstance(ll, (list, tuple)) else ll
    page = docs[0]["page"]
    assert m["word_perplexity"] == pytest.approx(math.exp(-ll / len(re.split(r"\s+", page))), rel=1e-9)
    assert m["bits_per_byte"] == pytest.approx(-ll / len(page.encode()) / math.log(2), rel=1e-9)
    # The document lm-eval scored is the detokenized article (its own doc_to_target), prefixed by the EOS token.
    assert sample["arguments"][0][0] == wikitext_detokenizer(docs[0]) or sample["target"] == wikitext_detokenizer(docs[0])
    assert res.fingerprint["lm_eval"] and res.fingerprint["task_versions"]["wikitext"] == 2.0
    assert res.fingerprint["data"]["wikitext"]["source"] == "local"


def test_missing_task_data_is_named_before_any_model_is_loaded(monkeypatch, tmp_path, capsys):
    import harness.core.models
    import harness.run.zeroshot as zs
    from harness.cli.main import build_parser, main

    build_parser()   # every command's module imported first, so none binds the stand-in below for good

    def no_model(*a, **k):
        raise AssertionError("a model was loaded before the data check")

    monkeypatch.setattr(harness.core.models, "load_model", no_model)
    monkeypatch.setattr(zs, "_in_hf_cache", lambda path: False)    # whatever this machine's HF cache holds
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert main(["zeroshot", "no-such-model", "--tasks", "wikitext,boolq,piqa,not_a_task"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "prunegen zeroshot: error: zero-shot tasks cannot run here:"
    assert len(err) == 4                                           # one line per task that cannot run
    assert err[1].strip().startswith("boolq: its data, hub dataset aps/super_glue (boolq), is not in the HF cache")
    assert "datasets.load_dataset('aps/super_glue', 'boolq')" in err[1]
    assert err[2].strip().startswith("piqa: its data, hub dataset baber/piqa, is not in the HF cache")
    assert err[3].strip().startswith("not_a_task: not an lm-eval task")
    # A data folder without WikiText-2: the local task says which file is missing.
    monkeypatch.setenv("PRUNEGEN_DATA_DIR", str(tmp_path))
    assert zs.missing_data(("wikitext",)) == [
        f"wikitext: its local data {tmp_path}/wikitext-2-raw/wiki.test.raw is missing; put WikiText-2 raw there "
        "(wikitext-2-raw/wiki.test.raw) or unset PRUNEGEN_DATA_DIR to use the hub's copy"]


@pytest.mark.docker
def test_a_run_scores_its_jobs_zero_shot_in_memory_and_reports_them(tiny_dir, tmp_path, sandbox_tmp, monkeypatch):
    """[eval] zero_shot: each scored job gets lm-eval's scores of the pruned model object itself, stored beside its
    perplexity with lm-eval's and the tasks' versions in its fingerprint, keyed apart, and Table 11 shows them."""
    import harness.run.zeroshot as zs
    from harness.run.config import load_config
    from harness.run.pipeline import run
    from harness.cli.run import write_report
    from harness.run.store import ResultsStore

    handed = []
    real = zs.evaluate

    def spy(model, tokenizer, tasks, **kw):
        handed.append(model)
        return real(model, tokenizer, tasks, **kw)

    monkeypatch.setattr(zs, "evaluate", spy)
    text = tmp_path / "text.txt"
    text.write_text("The quick brown fox jumps over the lazy dog. " * 200)
    cfg_path = tmp_path / "zs.toml"
    body = f"""
[run]
out = "{tmp_path / 'run'}"
[model]
specs = ["{tiny_dir}"]
[eval]
source = "text:{text}"
seqlen = 32
max_windows = 2
prompt = ""
ZS
[calibration]
source = "text:{text}"
nsamples = 4
seqlen = 32
[sparsity]
levels = [0.5]
[generation]
ideas = []
[sandbox]
timeout_s = 120
memory = "2g"
[references]
methods = ["magnitude"]
"""
    cfg_path.write_text(body.replace("ZS", 'zero_shot = ["wikitext"]\nzero_shot_limit = 1\nzero_shot_max_length = 128'))
    run_dir = run(load_config(cfg_path), echo=lambda *_: None, report=write_report)
    with ResultsStore(run_dir / "results.sqlite") as store:
        rows = {r.method: r for r in store.rows()}
    assert set(rows) == {"dense", "magnitude"} and len(handed) == 2
    assert all(isinstance(m, torch.nn.Module) for m in handed)      # the model object, never a path to re-load
    for r in rows.values():
        scores = r.extra["zero_shot"]["wikitext"]
        assert set(scores) == {"word_perplexity", "byte_perplexity", "bits_per_byte"}
        fp = r.fingerprint["zero_shot"]
        assert fp["lm_eval"] == zs.lm_eval_version() and fp["task_versions"] == {"wikitext": 2.0}
        assert fp["limit"] == 1 and fp["data"]["wikitext"]["source"] == "local"
    assert rows["dense"].extra["zero_shot"] != rows["magnitude"].extra["zero_shot"]   # the pruned model's own
    report = (run_dir / "report" / "report.md").read_text()
    assert "Table 11: Zero-shot scores through lm-eval" in report and "wikitext (word_perplexity)" in report
    assert f"{rows['magnitude'].extra['zero_shot']['wikitext']['word_perplexity']:.2f}" in report
    assert "a smoke test of the setup, not the benchmark's number" in report
    # export-model re-makes such a job (its fingerprint's zero_shot record is no obstacle) and the card shows the scores.
    from harness.cli.export_model import export_model
    ex = export_model(run_dir, load_config(cfg_path), tmp_path / "out", method="magnitude", level=0.5,
                      echo=lambda *_: None)
    card = (ex.dest / "README.md").read_text()
    assert f"## Zero-shot (lm-eval {zs.lm_eval_version()}, first 1 document(s) per task)" in card
    assert f"| wikitext | word_perplexity | {rows['magnitude'].extra['zero_shot']['wikitext']['word_perplexity']:.4f} |" in card
    # The same config without zero-shot keys its jobs apart: nothing of this store is taken for it.
    from harness.run.scoring import Scorer
    from harness.core.models import load_model
    cfg_path.write_text(body.replace("ZS", ""))
    cfg = load_config(cfg_path)
    lm = load_model(str(tiny_dir))
    with ResultsStore(tmp_path / "scratch.sqlite") as scratch:
        key = Scorer(lm, scratch, cfg.eval, cfg.calibration, "").key("reference", "magnitude", 0.5, "unstructured")
    assert key.digest != rows["magnitude"].key
    assert rows["magnitude"].fingerprint_digest == rows["dense"].fingerprint_digest


def test_zeroshot_cli_on_a_model_folder(tiny_dir, capsys):
    import json

    from harness.cli.main import main

    assert main(["zeroshot", str(tiny_dir), "--tasks", "wikitext", "--limit", "1", "--max-length", "128", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["scores"]["wikitext"]) == {"word_perplexity", "byte_perplexity", "bits_per_byte"}
    assert out["fingerprint"]["task_versions"] == {"wikitext": 2.0} and out["fingerprint"]["limit"] == 1


def test_a_runs_preflight_names_missing_zero_shot_data(monkeypatch):
    import harness.run.zeroshot as zs
    from harness.run.config import EvalConfig, ExperimentConfig
    from harness.run.preflight import _zero_shot

    monkeypatch.setattr(zs, "_in_hf_cache", lambda path: False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    cfg = ExperimentConfig(eval=EvalConfig(zero_shot=("wikitext", "winogrande")))
    [line] = _zero_shot(cfg)
    assert line.startswith("eval.zero_shot: winogrande: its data, hub dataset allenai/winogrande (winogrande_xl), is "
                           "not in the HF cache and the hub is unreachable")
    assert _zero_shot(ExperimentConfig()) == []
