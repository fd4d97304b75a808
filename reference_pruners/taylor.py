"""First-order Taylor importance (Molchanov et al., 2019): score |W * dL/dW|, one-shot.

The magnitude of the first-order change in loss when a weight is removed. Unlike movement's signed
score, it never favours removing a large weight because the linear term happens to predict a gain,
which is what makes one-shot movement collapse (see reference_pruners/movement_0shot.py).
"""

from __future__ import annotations

from reference_pruners.movement_0shot import calibration_gradients
from reference_pruners.scoring import prune_by_score


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    layers, grads = calibration_gradients(model, calib, device, layers)
    prune_by_score(model, sparsity, pattern, lambda name, layer: (layer.weight * grads[name]).abs().float(),
                   "layer", layers)
