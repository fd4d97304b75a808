"""Apply a per-weight score to every prunable layer: the shared loop of the data-free methods.

Low score = pruned first. The maths of choosing which scores to prune is in :mod:`harness.core.masks`.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from harness.core.masks import select_mask
from harness.core.sparsity import prunable_layers


@torch.no_grad()
def prune_by_score(model: nn.Module, sparsity: float, pattern: str, score: Callable[[str, nn.Linear], torch.Tensor],
                   group: str = "row", layers: dict[str, nn.Linear] | None = None, selection: str = "exact") -> None:
    """Zero, in each layer, the weights with the lowest ``score(name, layer)`` [out, in]."""
    for name, layer in (layers or prunable_layers(model)).items():
        mask = select_mask(score(name, layer), sparsity, pattern, group, selection)
        layer.weight[mask] = 0
