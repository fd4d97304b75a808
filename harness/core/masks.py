"""Pure mask selection: from a score tensor to a boolean "prune this weight" mask.

Low score = pruned first. All functions take ``score`` [out_features, in_features] and return a
bool tensor of the same shape, True where the weight is to be zeroed.
"""

from __future__ import annotations

import math

import torch

from .sparsity import parse_pattern


def count_to_prune(n: int, sparsity: float) -> int:
    """How many of ``n`` weights to zero so that the fraction is at least ``sparsity``.

    Rounds up (Wanda's ``int(n * s)`` rounds down, which misses 1% on a 576-wide row), but first
    rounds away float noise so that 0.5 * 576 stays 288.
    """
    return min(n, math.ceil(round(n * sparsity, 6)))


def unstructured_mask(score: torch.Tensor, sparsity: float, group: str = "row") -> torch.Tensor:
    """Prune the lowest-scoring ``sparsity`` fraction within each comparison group.

    group: ``"row"`` compares within each output row (Wanda's choice), ``"layer"`` over the whole
    matrix (magnitude pruning in Wanda's code).
    """
    mask = torch.zeros_like(score, dtype=torch.bool)
    if group == "layer":
        k = count_to_prune(score.numel(), sparsity)
        if k:
            idx = torch.topk(score.flatten(), k, largest=False).indices
            mask.view(-1)[idx] = True
        return mask
    if group != "row":
        raise ValueError(f"group must be 'row' or 'layer', got {group!r}")
    k = count_to_prune(score.shape[1], sparsity)
    if k:
        idx = torch.topk(score, k, dim=1, largest=False).indices
        mask.scatter_(1, idx, True)
    return mask


def floor_count_row_mask(score: torch.Tensor, sparsity: float) -> torch.Tensor:
    """The Wanda authors' rule: in each row, the ``int(in_features * sparsity)`` lowest scores.

    score: [out, in]. ``int`` rounds down (1% of a 576-wide row prunes 5 weights, 0.87%), and ties go
    to the lower column index, as their stable ``torch.sort`` breaks them.
    """
    mask = torch.zeros_like(score, dtype=torch.bool)
    k = int(score.shape[1] * sparsity)
    if k:
        mask.scatter_(1, torch.sort(score, dim=-1, stable=True).indices[:, :k], True)
    return mask


def threshold_mask(score: torch.Tensor, sparsity: float) -> torch.Tensor:
    """The rule of Wanda's ``prune_magnitude`` and SparseGPT's ``fasterprune``: over the whole tensor,
    prune every score ``<=`` the value at sorted position ``int(numel * sparsity)``.

    score: any shape. Prunes at least ``int(numel * sparsity) + 1`` entries, and every tie of the
    threshold on top (many, on quantised weights).
    """
    flat = score.flatten()
    k = int(flat.numel() * sparsity)
    if k >= flat.numel():
        return torch.ones_like(score, dtype=torch.bool)
    return score <= torch.sort(flat).values[k]


def nm_mask(score: torch.Tensor, n: int, m: int) -> torch.Tensor:
    """In every group of ``m`` consecutive inputs of each row, prune the ``n`` lowest scores.

    score: [out, in] with in % m == 0.
    """
    out_f, in_f = score.shape
    if in_f % m:
        raise ValueError(f"in_features {in_f} is not divisible by M={m}")
    groups = score.reshape(out_f, in_f // m, m)
    idx = torch.topk(groups, n, dim=-1, largest=False).indices
    return torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True).reshape(out_f, in_f)


SELECTIONS = ("exact", "authors")


def select_mask(score: torch.Tensor, sparsity: float, pattern: str = "unstructured", group: str = "row",
                selection: str = "exact") -> torch.Tensor:
    """``unstructured_mask`` or ``nm_mask`` by pattern (``"unstructured"``, ``"2:4"``, ...).

    selection ``"authors"`` reproduces the published code's rounding for unstructured sparsity:
    :func:`floor_count_row_mask` per row, :func:`threshold_mask` per layer. N:M is the same either way.
    """
    if selection not in SELECTIONS:
        raise ValueError(f"selection must be one of {SELECTIONS}, got {selection!r}")
    nm = parse_pattern(pattern)
    if nm is not None:
        return nm_mask(score, *nm)
    if selection == "authors":
        if group == "row":
            return floor_count_row_mask(score, sparsity)
        if group == "layer":
            return threshold_mask(score, sparsity)
        raise ValueError(f"group must be 'row' or 'layer', got {group!r}")
    return unstructured_mask(score, sparsity, group)
