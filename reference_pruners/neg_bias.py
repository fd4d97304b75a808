"""Table 3's "prune by -bias": remove the output neurons with the largest |bias| first."""

from __future__ import annotations

from reference_pruners import bias


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    bias.prune(model, sparsity, calib, pattern=pattern, device=device, layers=layers, sign=-1.0)
