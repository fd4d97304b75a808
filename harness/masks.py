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


def select_mask(score: torch.Tensor, sparsity: float, pattern: str = "unstructured", group: str = "row") -> torch.Tensor:
    """``unstructured_mask`` or ``nm_mask`` by pattern (``"unstructured"``, ``"2:4"``, ...)."""
    nm = parse_pattern(pattern)
    return unstructured_mask(score, sparsity, group) if nm is None else nm_mask(score, *nm)
