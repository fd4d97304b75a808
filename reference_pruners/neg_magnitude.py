"""The paper's Table 2 ablation, "prune by -weights": remove the *largest* magnitudes first.

Score -|W|, per layer as magnitude pruning does. It exists to show that the magnitude indicator
carries information: pruning by its negation destroys the model even at 1%.
"""

from __future__ import annotations

from reference_pruners.scoring import prune_by_score


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    prune_by_score(model, sparsity, pattern, lambda _name, layer: -layer.weight.abs(), "layer", layers)
