"""The trusted check of what a candidate gives back, before anything is scored.

Runs outside the candidate's process. Compares the returned prunable tensors with the dense ones
and, where the candidate's process also returned the rest of the model, that nothing else moved.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .interface import Status
from .sparsity import SparsityReport, measure, meets_target


@dataclass(frozen=True)
class Verdict:
    status: Status
    detail: str
    sparsity: SparsityReport | None = None

    @property
    def ok(self) -> bool:
        return self.status is Status.OK


def validate(dense: dict[str, torch.Tensor], pruned: dict[str, torch.Tensor], prunable: list[str],
             sparsity: float, pattern: str = "unstructured", rule: str = "two-sided") -> Verdict:
    """Check ``pruned`` against ``dense`` (state dicts, name -> tensor).

    ``pruned`` must hold exactly the ``prunable`` names; any extra key is a non-prunable tensor the
    candidate returned, which must then be bit-identical to ``dense``. ``rule``: how the level is read
    (:func:`harness.core.sparsity.meets_target`: within the target from both sides, unless the host grants a
    reference method its published rule); the host chooses it, never the candidate.
    """
    missing = [n for n in prunable if n not in pruned]
    if missing:
        return Verdict(Status.OUTPUT_INVALID, f"{len(missing)} prunable tensors missing, e.g. {missing[0]}")
    for name in prunable:
        a, b = dense[name], pruned[name]
        if not isinstance(b, torch.Tensor) or a.shape != b.shape or a.dtype != b.dtype:
            got = (tuple(b.shape), b.dtype) if isinstance(b, torch.Tensor) else type(b).__name__
            return Verdict(Status.OUTPUT_INVALID, f"{name}: expected {tuple(a.shape)} {a.dtype}, got {got}")
    for name in pruned:
        if name not in dense:
            return Verdict(Status.OUTPUT_INVALID, f"unexpected tensor {name!r}")
    for name, t in pruned.items():
        if not torch.isfinite(t).all():
            return Verdict(Status.NON_FINITE, f"{name}: {int((~torch.isfinite(t)).sum())} NaN/inf values")
    for name, t in pruned.items():
        if name not in prunable and not torch.equal(t, dense[name]):
            return Verdict(Status.TAMPERED, f"{name} is not prunable but was changed")
    weights = {n: pruned[n] for n in prunable}
    report = measure(weights)
    # The dense tensors too: zeros the dense model already had are not the pruner's (meets_target).
    problem = meets_target(report, weights, sparsity, pattern, rule, {n: dense[n] for n in prunable})
    if problem:
        return Verdict(Status.SPARSITY_NOT_MET, problem, report)
    return Verdict(Status.OK, f"achieved sparsity {report.overall:.4%}", report)
