"""SparseGPT with the published code's rounding (opt-in; see ``selection`` in :mod:`reference_pruners.sparsegpt`)."""

from __future__ import annotations

from reference_pruners import sparsegpt


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    sparsegpt.prune(model, sparsity, calib, pattern=pattern, device=device, layers=layers, selection="authors")
