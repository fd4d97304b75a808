"""Magnitude with the published code's rounding (opt-in; see ``selection`` in :mod:`reference_pruners.magnitude`)."""

from __future__ import annotations

from reference_pruners import magnitude


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    magnitude.prune(model, sparsity, calib, pattern=pattern, device=device, layers=layers, selection="authors")
