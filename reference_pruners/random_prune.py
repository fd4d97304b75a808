"""Random pruning: a seeded uniform score, so every run prunes the same weights (Table 4's idea 05)."""

from __future__ import annotations

import torch

from reference_pruners.scoring import prune_by_score

SEED = 0


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None, seed=SEED):
    gen = torch.Generator().manual_seed(seed)

    def score(_name, layer):
        return torch.rand(layer.weight.shape, generator=gen).to(layer.weight.device)

    prune_by_score(model, sparsity, pattern, score, "layer", layers)
