"""The paper's Table 3 ablation, "prune by bias": an output neuron's |bias| as the score of its weights.

Every weight of output row i gets the score |b_i|, so whole rows with the smallest biases go first
(per layer). ``sign=-1`` ("prune by -bias") removes the largest biases first. A model whose prunable
layers have no bias terms (LLaMA, SmolLM2, Gemma) cannot be pruned this way: the method raises
:class:`harness.interface.NotApplicable`, which the harness reports as "not applicable: model has
no bias" instead of a silent NA.
"""

from __future__ import annotations

from harness.interface import NotApplicable
from harness.sparsity import prunable_layers

from reference_pruners.scoring import prune_by_score


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None, sign=1.0):
    layers = layers or prunable_layers(model)
    missing = [name for name, layer in layers.items() if layer.bias is None]
    if missing:
        raise NotApplicable(f"model has no bias: {len(missing)} of {len(layers)} prunable layers have none "
                            f"(e.g. {missing[0]})")

    def score(_name, layer):
        # float64 so that ties inside a row can be broken by |W|, scaled far below any bias gap.
        w = layer.weight.abs().double()
        return sign * layer.bias.abs().double()[:, None] + 1e-12 * w / (w.max() + 1e-30)

    prune_by_score(model, sparsity, pattern, score, "layer", layers)
