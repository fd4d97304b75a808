"""Magnitude pruning with one threshold per output row (the comparison group Wanda uses for its own score)."""

from __future__ import annotations

from reference_pruners import magnitude


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    magnitude.prune(model, sparsity, calib, pattern=pattern, device=device, layers=layers, group="row")
