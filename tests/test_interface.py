"""Loading candidate files, checking their signature and calling them."""

from __future__ import annotations

import textwrap

import pytest
import torch

from harness.core.interface import CandidateError, Status, call_prune, check_signature, load_candidate
from harness.core.sparsity import measure_model, prunable_layers

GOOD = """
import torch

def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    from harness.core.sparsity import prunable_layers
    for name, lin in (layers or prunable_layers(model)).items():
        w = lin.weight.data
        k = int(round(w.shape[1] * sparsity))
        idx = torch.topk(w.abs(), k, dim=1, largest=False).indices
        w.scatter_(1, idx, 0.0)
"""


def write(tmp_path, source: str, name: str = "candidate.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


def status_of(path) -> tuple[Status, str]:
    with pytest.raises(CandidateError) as e:
        load_candidate(path)
    return e.value.status, str(e.value)


def test_syntax_error(tmp_path):
    status, msg = status_of(write(tmp_path, "def prune(model, sparsity, calib:\n    pass\n"))
    assert status is Status.SYNTAX_ERROR and msg.startswith("candidate.py:1")


def test_import_of_missing_module(tmp_path):
    status, msg = status_of(write(tmp_path, "import prunegen_no_such_module_xyz\n" + GOOD))
    assert status is Status.IMPORT_ERROR and "prunegen_no_such_module_xyz" in msg


def test_raise_at_import_is_a_runtime_error(tmp_path):
    status, msg = status_of(write(tmp_path, "x = 1 / 0\n" + GOOD))
    assert status is Status.RUNTIME_ERROR and "ZeroDivisionError" in msg


@pytest.mark.parametrize("source", ["def pruner(model, sparsity, calib, **kw):\n    pass\n", "prune = 3\n"])
def test_no_prune(tmp_path, source):
    status, msg = status_of(write(tmp_path, source))
    assert status is Status.INTERFACE_MISMATCH and "defines no function named 'prune'" in msg


@pytest.mark.parametrize("signature", ["model, sparsity", "model, sparsity, calib",
                                       "model, sparsity, calib, *, pattern", "model, *, sparsity, calib, pattern, device"])
def test_wrong_signature(tmp_path, signature):
    status, msg = status_of(write(tmp_path, f"def prune({signature}):\n    pass\n"))
    assert status is Status.INTERFACE_MISMATCH and "does not accept (model, sparsity, calib, *, pattern, device)" in msg


@pytest.mark.parametrize("signature", ["model, sparsity, calib, pattern='unstructured', device='cpu'",
                                       "model, sparsity, calib, **kwargs", "*args, **kwargs"])
def test_accepted_signatures(signature):
    ns = {}
    exec(f"def prune({signature}):\n    pass\n", ns)
    check_signature(ns["prune"])


def test_good_candidate_prunes(tmp_path, fresh_tiny_lm):
    fn = load_candidate(write(tmp_path, GOOD))
    assert callable(fn) and fn.__name__ == "prune"
    model = fresh_tiny_lm.model
    call_prune(fn, model, 0.5, torch.zeros(1, 8, dtype=torch.long), layers=prunable_layers(model))
    assert measure_model(model).overall == 0.5
    # two loads of one file are independent modules
    assert load_candidate(tmp_path / "candidate.py") is not fn


def test_call_prune_passes_layers_only_to_functions_that_accept_it(tiny_lm):
    seen = {}

    def with_layers(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
        seen["with"] = (pattern, device, layers)

    def without(model, sparsity, calib, *, pattern="unstructured", device="cpu"):
        seen["without"] = (pattern, device)

    def kwargs_only(model, sparsity, calib, **kw):
        seen["kw"] = kw

    layers = prunable_layers(tiny_lm.model)
    for fn in (with_layers, without, kwargs_only):
        call_prune(fn, tiny_lm.model, 0.5, None, pattern="2:4", device="cpu", layers=layers)
    assert seen["with"] == ("2:4", "cpu", layers)
    assert seen["without"] == ("2:4", "cpu")
    assert seen["kw"] == {"pattern": "2:4", "device": "cpu", "layers": layers}
    call_prune(kwargs_only, tiny_lm.model, 0.5, None)              # no layers given: none passed
    assert seen["kw"] == {"pattern": "unstructured", "device": "cpu"}


def test_the_documents_snippets_run_as_written_inside_prune(tmp_path, fresh_tiny_lm):
    """prompts/interface.md promises its snippets run as written inside ``prune``: a coder copies them,
    so one that is wrong teaches every generated program the same error."""
    import re
    from harness.core.interface import interface_document
    section = interface_document().split("## Working with the model", 1)[1].split("\n## ", 1)[0]
    snippet = re.findall(r"```python\n(.*?)```", section, re.S)[0]
    body = "import torch\n\n\ndef prune(model, sparsity, calib, *, pattern='unstructured', device='cpu', layers=None):\n"
    body += textwrap.indent(snippet, "    ")
    # the snippet's last step prunes the last layer of the loop; apply it to every layer
    body += "    for name, layer in layers.items():\n        w = layer.weight.data\n"
    body += textwrap.indent(snippet.split("# Zero exactly k", 1)[1].split("\n", 1)[1], "        ")
    fn = load_candidate(write(tmp_path, body))
    model = fresh_tiny_lm.model
    calib = torch.randint(0, model.config.vocab_size, (2, 16))
    call_prune(fn, model, 0.5, calib, layers=prunable_layers(model))
    assert measure_model(model).overall == pytest.approx(0.5, abs=1e-3)
    assert all(p.grad is None for p in model.parameters())  # the snippet freed its gradients
