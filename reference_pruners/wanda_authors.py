"""Wanda with the published code's rounding (opt-in; see ``selection`` in :mod:`reference_pruners.wanda`)."""

from __future__ import annotations

from reference_pruners import wanda


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    wanda.prune(model, sparsity, calib, pattern=pattern, device=device, layers=layers, selection="authors")
