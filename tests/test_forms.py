"""The score form: a model writes only ``score(weight, act_norm, grad)``; prunegen's skeleton makes it a
``prune`` of the one interface. The skeleton in-process on the tiny model, then a score-form generator
end to end (the real openai SDK against a scripted local server, the real sandbox, a repair turn)."""

from __future__ import annotations

import pytest
import torch

from harness.run.config import load_config
from harness.run.forms import FORMS, SCORE_EXAMPLE, form_of_generator, is_interface_example
from harness.core.interface import call_prune, load_candidate
from harness.run.pipeline import run
from harness.cli.run import write_report
from harness.core.sparsity import prunable_layers
from harness.run.store import ResultsStore
from fake_openai import FakeOpenAI

SCORE = FORMS["score"]


def _load(tmp_path, score_code: str):
    path = tmp_path / "cand.py"
    path.write_text(SCORE.assemble(score_code))
    return load_candidate(path)


def test_the_skeleton_zeroes_the_lowest_scores_of_every_row(tmp_path, fresh_tiny_lm):
    seen = {}
    fn = _load(tmp_path, '''import torch
SEEN = {}
def score(weight, act_norm, grad):
    SEEN[tuple(weight.shape)] = (tuple(act_norm.shape), tuple(grad.shape), float(grad.abs().sum()))
    return weight.abs() * act_norm.unsqueeze(0)
''')
    model = fresh_tiny_lm.model
    layers = prunable_layers(model)
    dense = {n: l.weight.detach().clone() for n, l in layers.items()}
    calib = torch.randint(0, model.config.vocab_size, (2, 16))
    call_prune(fn, model, 0.5, calib, layers=layers)
    seen = fn.__globals__["SEEN"]
    for shape, (act, grad, gsum) in seen.items():
        assert act == (shape[1],) and grad == shape and gsum > 0   # real statistics reached the score
    for name, layer in layers.items():
        w, d = layer.weight.detach(), dense[name]
        zeros = (w == 0).sum(dim=1)
        assert torch.all(zeros == round(d.shape[1] * 0.5)), name          # the level in every row
        kept = w != 0
        assert torch.equal(w[kept], d[kept])                              # survivors untouched
    assert all(p.grad is None for p in model.parameters())


def test_the_skeleton_meets_n_m_and_refuses_bad_scores_by_name(tmp_path, fresh_tiny_lm):
    model = fresh_tiny_lm.model
    layers = prunable_layers(model)
    calib = torch.randint(0, model.config.vocab_size, (1, 8))
    call_prune(_load(tmp_path, SCORE_EXAMPLE), model, 0.5, calib, pattern="2:4", layers=layers)
    for layer in layers.values():
        groups = layer.weight.detach().reshape(layer.weight.shape[0], -1, 4)
        assert torch.all((groups == 0).sum(-1) >= 2)
    with pytest.raises(ValueError, match=r"tensor of the weight's shape"):
        call_prune(_load(tmp_path, "def score(weight, act_norm, grad):\n    return act_norm\n"), model, 0.5,
                   calib, layers=layers)
    with pytest.raises(ValueError, match="NaN"):
        call_prune(_load(tmp_path, "def score(weight, act_norm, grad):\n    return weight / 0 * 0\n"), model,
                   0.5, calib, layers=layers)


def test_the_score_example_is_a_copy_and_a_rewrite_is_not():
    assert is_interface_example(SCORE.assemble(SCORE_EXAMPLE))
    assert is_interface_example(SCORE.assemble("import torch\n\ndef score(weight, act_norm, grad):\n"
                                               "    '''magnitude'''\n    return weight.abs()\n"))
    assert not is_interface_example(SCORE.assemble("def score(weight, act_norm, grad):\n"
                                                   "    return (weight * grad).abs()\n"))
    assert form_of_generator("local:qwen+score") is SCORE and form_of_generator("local:qwen").name == "program"


WRONG_SHAPE = "```python\nimport torch\n\ndef score(weight, act_norm, grad):\n    return act_norm\n```"
WANDA = ("```python\nimport torch\n\ndef score(weight, act_norm, grad):\n"
         "    return weight.abs() * act_norm.unsqueeze(0)\n```")
EXAMPLE = f"```python\n{SCORE_EXAMPLE}```"


@pytest.mark.docker
def test_a_score_form_generator_end_to_end_with_repair(tiny_model_dir, tmp_path, sandbox_tmp, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    text = tmp_path / "text.txt"
    text.write_text("Sphinx of black quartz, judge my vow. " * 200)
    with FakeOpenAI() as server:
        # one-pass: l1-norm hands the example back, wanda-like returns the wrong shape; then its repair
        server.script = [("ok", EXAMPLE), ("ok", WRONG_SHAPE), ("ok", WANDA)]
        cfg_path = tmp_path / "score.toml"
        cfg_path.write_text(f"""
[run]
out = "{tmp_path / 'run'}"
[model]
specs = ["{tiny_model_dir}"]
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
ideas = ["l1-norm", "wanda-like"]
repair_rounds = 1
[[generation.generators]]
provider = "openai-compatible"
base_url = "{server.base_url}"
model = "fake-coder"
form = "score"
concurrency = 1
timeout_s = 10
[sandbox]
backend = "process"
timeout_s = 60
memory = "2g"
[references]
methods = []
""")
        run_dir = run(load_config(cfg_path), echo=lambda *_: None, report=write_report)
        requests = list(server.requests)

    assert "def score(weight, act_norm, grad)" in requests[0]["body"]["messages"][0]["content"]
    repair_turn = requests[2]["body"]["messages"]
    assert [m["role"] for m in repair_turn] == ["system", "user", "assistant", "user"]
    assert "score function did not pass" in repair_turn[3]["content"] and "weight's shape" in repair_turn[3]["content"]
    with ResultsStore(run_dir / "results.sqlite") as store:
        cands = {c.id: c for c in store.candidates()}
        jobs = {r.method: r for r in store.rows(kind="candidate")}
    wanda = "wanda-like/fake-coder-score/sample-0"
    assert {c.generator for c in cands.values()} == {"openai-compatible:fake-coder+score"}
    assert jobs[wanda].status == "runtime-error" and jobs[wanda + "-r1"].status == "ok"
    assert abs(jobs[wanda + "-r1"].achieved_sparsity - 0.5) < 1e-3
    assert jobs["l1-norm/fake-coder-score/sample-0"].status == "ok"
    report = (run_dir / "report" / "report.md").read_text()
    assert "openai-compatible:fake-coder+score" in report
    t4 = (run_dir / "report" / "table4.csv").read_text()
    copy_rows = [line for line in t4.splitlines() if "l1-norm" in line]
    assert copy_rows and ",yes," in copy_rows[0]   # the example handed back is named a copy


def test_each_form_names_its_prompt_example_and_baselines_as_reference_methods():
    from harness.run.forms import form_references
    from reference_pruners import METHODS

    assert form_references(["local:coder"]) == ["interface-example", "magnitude"]
    assert form_references(["local:coder+score"]) == ["score-example", "magnitude-row", "score-wanda"]
    both = form_references(["local:coder+score", "local:coder", "local:other"])
    assert both == ["interface-example", "magnitude", "score-example", "magnitude-row", "score-wanda"]
    assert form_references([]) == []
    assert set(both) <= set(METHODS)
