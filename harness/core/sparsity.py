"""Which parameters are prunable, and how sparse they are, counted from the tensors themselves.

Prunable, as in Wanda: the weight of every ``nn.Linear`` inside the decoder blocks. Never the
embeddings, norms, biases or ``lm_head``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn


def decoder_blocks(model: nn.Module) -> nn.ModuleList:
    """The decoder blocks in order: the ModuleList with ``config.num_hidden_layers`` entries."""
    n = getattr(getattr(model, "config", None), "num_hidden_layers", None)
    for attr in ("model.layers", "model.decoder.layers", "transformer.h", "gpt_neox.layers"):
        obj = model
        for part in attr.split("."):
            obj = getattr(obj, part, None)
        if isinstance(obj, nn.ModuleList) and (n is None or len(obj) == n):
            return obj
    lists = [m for m in model.modules() if isinstance(m, nn.ModuleList) and (n is None or len(m) == n)]
    if not lists:
        raise ValueError(f"cannot find the decoder blocks of {type(model).__name__}")
    return lists[0]


def blocks_prefix(model: nn.Module) -> str:
    blocks = decoder_blocks(model)
    return next(name for name, m in model.named_modules() if m is blocks)


def prunable_layers(model: nn.Module) -> dict[str, nn.Linear]:
    """Fully qualified name -> ``nn.Linear`` inside the decoder blocks, in forward order."""
    prefix = blocks_prefix(model)
    return {f"{prefix}.{name}": m for name, m in decoder_blocks(model).named_modules() if isinstance(m, nn.Linear)}


def prunable_weight_names(model: nn.Module) -> list[str]:
    """State-dict keys of the prunable weights (``model.layers.0.self_attn.q_proj.weight`` ...)."""
    return [f"{name}.weight" for name in prunable_layers(model)]


@dataclass(frozen=True)
class LayerSparsity:
    name: str
    zeros: int
    total: int

    @property
    def sparsity(self) -> float:
        return self.zeros / self.total


@dataclass(frozen=True)
class SparsityReport:
    layers: tuple[LayerSparsity, ...]

    @property
    def zeros(self) -> int:
        return sum(layer.zeros for layer in self.layers)

    @property
    def total(self) -> int:
        return sum(layer.total for layer in self.layers)

    @property
    def overall(self) -> float:
        """Fraction of prunable weights that are exactly zero."""
        return self.zeros / self.total if self.total else 0.0

    def as_dict(self) -> dict:
        return {"overall": self.overall, "zeros": self.zeros, "total": self.total,
                "layers": {layer.name: layer.sparsity for layer in self.layers}}


def measure(weights: dict[str, torch.Tensor]) -> SparsityReport:
    """Count exact zeros per tensor of ``weights`` (name -> tensor)."""
    return SparsityReport(tuple(LayerSparsity(name, int((w == 0).sum()), w.numel()) for name, w in weights.items()))


def measure_model(model: nn.Module) -> SparsityReport:
    return measure({f"{name}.weight": m.weight.detach() for name, m in prunable_layers(model).items()})


def parse_pattern(pattern: str) -> tuple[int, int] | None:
    """``"unstructured"`` -> None; ``"2:4"`` -> (2, 4): at least N zeros in every M consecutive inputs."""
    if pattern == "unstructured":
        return None
    try:
        n, m = (int(x) for x in pattern.split(":"))
    except ValueError:
        raise ValueError(f"pattern must be 'unstructured' or 'N:M' such as '2:4', got {pattern!r}") from None
    if not 0 < n < m:
        raise ValueError(f"pattern {pattern!r}: need 0 < N < M")
    return n, m


def pattern_sparsity(pattern: str, sparsity: float) -> float:
    """The sparsity a pattern implies: N/M for N:M, else the requested level."""
    nm = parse_pattern(pattern)
    return sparsity if nm is None else nm[0] / nm[1]


def nm_violations(weight: torch.Tensor, n: int, m: int) -> int:
    """Number of groups of ``m`` consecutive input weights (per output row) with fewer than ``n`` zeros.

    weight: [out_features, in_features]; in_features must be divisible by m (else every group counts).
    """
    out_f, in_f = weight.shape
    if in_f % m:
        return out_f * (in_f // m + 1)
    zeros = (weight.reshape(out_f, in_f // m, m) == 0).sum(-1)
    return int((zeros < n).sum())


# The tolerance of the acceptance check, either side of the target: 0.1 percentage points.
SPARSITY_TOLERANCE = 0.001


# How the trusted check reads a level (:func:`meets_target`). The host grants each method its rule
# (reference_pruners.sparsity_rule); a machine-written candidate always gets "two-sided".
SPARSITY_RULES = ("two-sided", "floor-per-row", "threshold-ties")


@dataclass(frozen=True)
class Ceiling:
    """The most zeros a pruner may have made itself at one level: the upper side of the check."""
    new_zeros: int        # zeros where the dense weight was not zero (a pruner cannot un-zero the rest)
    allowed: int          # target x total, plus the rounding allowance, plus the tolerance
    rounding: int         # one weight a row and one a column per layer: exact rounding per group

    @property
    def exceeded(self) -> bool:
        return self.new_zeros > self.allowed


def rounding_allowance(weights: dict[str, torch.Tensor]) -> int:
    """Weights a correct exact-count pruner may zero beyond ``target x total`` by rounding up.

    Exact methods prune ``ceil(n x s)`` in each comparison group (harness.core.masks.count_to_prune): a row
    (Wanda), a layer (magnitude, movement), a column block (SparseGPT), so each group adds less than one
    weight. Rows and columns are the finest groups a layer has in common use, so ``rows + columns`` a
    layer bounds them all (for SmolLM2 0.29 pp of the prunable weights: 10,176 of 3,538,944 a block).
    """
    return sum(w.shape[0] + w.shape[-1] if w.dim() >= 2 else 1 for w in weights.values())


def ceiling(weights: dict[str, torch.Tensor], target: float, dense: dict[str, torch.Tensor] | None) -> Ceiling:
    """How many zeros the pruner made, against how many it may have made at ``target``."""
    total = sum(w.numel() for w in weights.values())
    if dense is None:
        new = sum(int((w == 0).sum()) for w in weights.values())
    else:
        new = sum(int(((w == 0) & (dense[n] != 0)).sum()) for n, w in weights.items())
    rounding = rounding_allowance(weights)
    return Ceiling(new, math.ceil(round(target * total, 6)) + rounding + math.ceil(SPARSITY_TOLERANCE * total),
                   rounding)


def meets_target(report: SparsityReport, weights: dict[str, torch.Tensor], sparsity: float, pattern: str,
                 rule: str = "two-sided", dense: dict[str, torch.Tensor] | None = None) -> str | None:
    """None when the pattern and level are met, else a sentence saying where they are not.

    The target is the level, or N/M for an N:M pattern. ``dense``: the dense model's tensors of the same
    names, so zeros the dense model already had are not counted as the pruner's (SmolLM2 has some; a
    pruner cannot un-zero them); None counts every zero as the pruner's. Tied weights count once per name,
    on both sides.

    rule ``"two-sided"`` (every candidate, and the exact reference methods):
      * at least: the overall sparsity reaches the target less 0.1 pp, and for N:M every group of M
        consecutive inputs of a row holds at least N zeros;
      * at most: the zeros the pruner made itself (where the dense weight was not zero) number at most
        ``ceil(target x total)``, plus one weight per row and per column of each layer (exact rounding
        up per comparison group, :func:`rounding_allowance`), plus 0.1 pp. A program that zeroes
        everything at 0.5 fails here.

    ``"floor-per-row"`` (the host grants it to ``wanda-authors`` only): at least ``int(in_features x
    target)`` zeros in every row of every layer, the published Wanda's count, which can fall short
    overall; the same ceiling as two-sided on top (a floor never reaches it).

    ``"threshold-ties"`` (``magnitude-authors``, ``sparsegpt-authors``): at least, as two-sided, and no
    ceiling: the published ``prune_magnitude`` and ``fasterprune`` prune every weight ``<=`` the
    threshold, so every tie of it on top, however many (harness.core.masks.threshold_mask).
    """
    nm = parse_pattern(pattern)
    target = pattern_sparsity(pattern, sparsity)
    if rule not in SPARSITY_RULES:
        raise ValueError(f"sparsity rule must be one of {SPARSITY_RULES}, got {rule!r}")
    if rule == "floor-per-row" and nm is None:
        for name, w in weights.items():
            need = int(w.shape[-1] * target)
            rows = w.reshape(-1, w.shape[-1])
            short = int(((rows == 0).sum(-1) < need).sum())
            if short:
                return f"{name}: {short} rows with fewer than int({w.shape[-1]} x {target:g}) = {need} zeros"
    elif report.overall < target - SPARSITY_TOLERANCE:
        return f"achieved sparsity {report.overall:.4%} is below the target {target:.2%} (tolerance 0.1 pp)"
    if nm is not None:
        bad = {name: nm_violations(w, *nm) for name, w in weights.items()}
        bad = {k: v for k, v in bad.items() if v}
        if bad:
            name, count = next(iter(bad.items()))
            return (f"{pattern} pattern violated in {len(bad)} layers, e.g. {name}: "
                    f"{count} groups of {nm[1]} with fewer than {nm[0]} zeros")
    if rule != "threshold-ties":
        top = ceiling(weights, target, dense)
        if top.exceeded:
            total = report.total
            return (f"achieved sparsity {report.overall:.4%} is above the target {target:.2%}: the pruner zeroed "
                    f"{top.new_zeros:,} weights ({top.new_zeros / total:.4%}), more than the {top.allowed:,} "
                    f"allowed (the target, plus one weight a row and a column of each layer for rounding, plus "
                    f"0.1 pp; zeros of the dense model not counted)")
    return None
