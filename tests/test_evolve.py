"""Evolution (harness/evolve.py): program identity, the population, fitness, and a run end to end.

The end-to-end runs use the tiny sandbox Llama and a text file. The held-out slice for a ``text:``
evaluation source is the windows right after the reported ones (eval.max_windows = 2, so windows 2-3).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from harness.evolve import (Fitness, LevelScore, Program, ProgramsDatabase, fitness_from_levels,
                            normalised_ast_hash, program_code)

BASE = '''
import torch

def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for layer in layers.values():
        w = layer.weight.data
        k = int(round(w.numel() * sparsity))
        if k:
            w.view(-1)[torch.topk(w.abs().flatten(), k, largest=False).indices] = 0
'''

COSMETIC = '''"""Magnitude pruning: a module docstring the model likes to add."""
import torch   # the only import


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    """Zero the smallest weights of each layer."""
    for lin in layers.values():            # renamed loop variable
        weights = lin.weight.data
        # how many to remove
        count = int(round(weights.numel() * sparsity))
        if count:
            weights.view(-1)[torch.topk(weights.abs().flatten(), count, largest=False).indices] = 0
'''

REAL_CHANGE = BASE.replace("largest=False", "largest=True")


# --------------------------------------------------------------------------------------------- hash

def test_hash_ignores_comments_whitespace_docstrings_and_local_names():
    assert normalised_ast_hash(BASE) == normalised_ast_hash(COSMETIC)
    assert normalised_ast_hash(BASE) == normalised_ast_hash("# header\n\n" + BASE + "\n\n\n")


def test_hash_sees_real_changes():
    assert normalised_ast_hash(BASE) != normalised_ast_hash(REAL_CHANGE)
    # Parameter names are the interface (passed by keyword): renaming one is a different program.
    assert normalised_ast_hash(BASE) != normalised_ast_hash(BASE.replace("layers", "modules"))
    # A constant, an attribute or a global is not a local name.
    assert normalised_ast_hash(BASE) != normalised_ast_hash(BASE.replace("round(", "int("))
    assert normalised_ast_hash(BASE) != normalised_ast_hash(BASE.replace(".data", ".grad"))


def test_hash_of_unparsable_code_is_stable():
    bad = "def prune(:\n    pass"
    assert normalised_ast_hash(bad) == normalised_ast_hash(bad + "\n")
    assert normalised_ast_hash(bad) != normalised_ast_hash(BASE)


def test_program_code_strips_the_provenance_header():
    text = "# prunegen candidate: machine-written\n# idea: x\n\nimport torch\n"
    assert program_code(text) == "import torch\n"
    assert program_code("import torch\n") == "import torch\n"


# ------------------------------------------------------------------------------------------ fitness

def test_fitness_is_mean_log_perplexity_and_inf_on_failure():
    f = fitness_from_levels([LevelScore(0.5, "ok", 10.0), LevelScore(0.7, "ok", 1000.0)])
    assert f.ok and f.status == "ok" and f.value == pytest.approx((math.log(10) + math.log(1000)) / 2)
    bad = fitness_from_levels([LevelScore(0.5, "runtime-error", None, "boom"), LevelScore(0.7, "skipped", None)])
    assert bad.value == math.inf and bad.status == "runtime-error" and not bad.ok
    nan = fitness_from_levels([LevelScore(0.5, "ok", float("nan"))])
    assert nan.value == math.inf and nan.status == "non-finite"
    assert Fitness.from_row({"fitness": None, "status": "timeout", "levels": []}).value == math.inf


# ----------------------------------------------------------------------------------------- database

def _prog(pid: str, value: float, h: str | None = None) -> Program:
    return Program(pid, "code", h or pid, Fitness(value, "ok" if math.isfinite(value) else "runtime-error", ()), 0,
                   f"{pid}.py")


def test_database_keeps_the_best_and_dedups():
    db = ProgramsDatabase(2)
    assert db.best() is None and db.top(3) == []
    assert db.add(_prog("a", 3.0))
    assert db.add(_prog("failing", math.inf))
    assert db.add(_prog("b", 2.0))
    assert [p.id for p in db.top(5)] == ["b", "a"]          # the failing one was evicted
    assert not db.add(_prog("b-again", 1.0, h="b"))          # same hash: not added, even if "better"
    assert db.duplicate_of("b") == "b"
    assert not db.add(_prog("failing-again", 1.0, h="failing"))  # evicted hashes stay known
    assert db.add(_prog("c", 2.0))                           # a tie keeps the earlier program first
    assert [p.id for p in db.top(2)] == ["b", "c"] and len(db) == 2
    assert db.best().id == "b"
