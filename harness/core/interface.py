"""The one fixed interface every pruner implements, human or machine written (see docs/interface.md).

    prune(model, sparsity: float, calib, *, pattern="unstructured", device="cpu", layers=None) -> None

This module loads a candidate file, checks its signature and calls it. It is the only place that
knows the interface's shape; the sandbox runner, the reference pruners and the prompts all use it.
"""

from __future__ import annotations

import enum
import importlib.util
import inspect
import sys
import uuid
from pathlib import Path
from typing import Callable

import torch
from torch import nn

ENTRY_POINT = "prune"


class Status(str, enum.Enum):
    """Outcome of one job. The error categories are what Table 4 (extended) counts."""
    OK = "ok"
    # generation
    NO_CODE = "no-code"
    GENERATION_ERROR = "generation-error"
    # loading
    SYNTAX_ERROR = "syntax-error"
    IMPORT_ERROR = "import-error"
    INTERFACE_MISMATCH = "interface-mismatch"
    # running
    RUNTIME_ERROR = "runtime-error"
    TIMEOUT = "timeout"
    OUT_OF_MEMORY = "out-of-memory"
    KILLED = "killed"
    # trusted validation of what came back
    OUTPUT_INVALID = "output-invalid"
    SPARSITY_NOT_MET = "sparsity-not-met"
    NON_FINITE = "non-finite"
    TAMPERED = "tampered"
    # scored, but worse than guessing: perplexity above the vocabulary size (the perplexity of a uniform
    # guess over the model's outputs) while the dense model was below it. Set by the host's Scorer only
    # (harness.run.scoring.is_collapsed); the row keeps its perplexity, but it is not a result.
    COLLAPSED = "collapsed"
    # the method cannot apply to this model (e.g. prune-by-bias on a model without biases)
    NOT_APPLICABLE = "not-applicable"
    # a candidate that failed at one level is not re-run at the others unless asked
    SKIPPED = "skipped"

    def __str__(self) -> str:
        return self.value


class CandidateError(Exception):
    """Loading or calling a candidate failed; ``status`` says in which category."""

    def __init__(self, status: Status, message: str):
        super().__init__(message)
        self.status = status


class NotApplicable(Exception):
    """Raised by a pruner that cannot apply to this model; the message says why."""


def load_candidate(path: str | Path) -> Callable:
    """Import the file at ``path`` under a fresh module name and return its ``prune`` after checking it."""
    path = Path(path)
    source = path.read_text(encoding="utf-8", errors="replace")
    try:
        compile(source, str(path), "exec")
    except SyntaxError as e:
        raise CandidateError(Status.SYNTAX_ERROR, f"{path.name}:{e.lineno}: {e.msg}") from None
    name = f"prunegen_candidate_{uuid.uuid4().hex[:8]}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except ImportError as e:
        raise CandidateError(Status.IMPORT_ERROR, f"{type(e).__name__}: {e}") from None
    except Exception as e:  # top-level code that raises is a runtime error of the candidate
        raise CandidateError(Status.RUNTIME_ERROR, f"at import: {type(e).__name__}: {e}") from None
    fn = getattr(module, ENTRY_POINT, None)
    if fn is None or not callable(fn):
        raise CandidateError(Status.INTERFACE_MISMATCH, f"{path.name} defines no function named {ENTRY_POINT!r}")
    check_signature(fn)
    return fn


def check_signature(fn: Callable) -> None:
    """Raise INTERFACE_MISMATCH unless ``fn(model, sparsity, calib, pattern=..., device=...)`` binds."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError) as e:
        raise CandidateError(Status.INTERFACE_MISMATCH, f"cannot read the signature of prune: {e}") from None
    try:
        sig.bind(object(), 0.5, object(), pattern="unstructured", device="cpu")
    except TypeError as e:
        raise CandidateError(Status.INTERFACE_MISMATCH,
                             f"prune{sig} does not accept (model, sparsity, calib, *, pattern, device): {e}") from None


def _accepts(fn: Callable, name: str) -> bool:
    params = inspect.signature(fn).parameters.values()
    return any(p.name == name or p.kind is p.VAR_KEYWORD for p in params)


def call_prune(fn: Callable, model: nn.Module, sparsity: float, calib: torch.Tensor, *,
               pattern: str = "unstructured", device: str = "cpu",
               layers: dict[str, nn.Linear] | None = None) -> None:
    """Call a candidate the one way the harness ever calls it."""
    kwargs = {"pattern": pattern, "device": device}
    if layers is not None and _accepts(fn, "layers"):
        kwargs["layers"] = layers
    fn(model, sparsity, calib, **kwargs)


def interface_document() -> str:
    """The interface document (prompts/interface.md, linked as docs/interface.md); prompts paste it verbatim."""
    from importlib.resources import files
    return files("prompts").joinpath("interface.md").read_text(encoding="utf-8")
