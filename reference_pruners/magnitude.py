"""Magnitude pruning: remove the weights with the smallest |W|.

As in Wanda's ``prune_magnitude``, the comparison group for unstructured sparsity is the whole
layer (one threshold per weight matrix); ``group="row"`` compares within each output row instead.
For N:M patterns the group is every M consecutive input weights. Data-free: ``calib`` is unused.

selection ``"exact"`` zeroes exactly ``ceil(n * sparsity)`` weights per group; ``"authors"``
(``magnitude-authors``) uses Wanda's ``<=`` threshold, which also prunes every tie of it.
"""

from __future__ import annotations

from reference_pruners.scoring import prune_by_score


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None, group="layer",
          selection="exact"):
    prune_by_score(model, sparsity, pattern, lambda _name, layer: layer.weight.abs(), group, layers, selection)
