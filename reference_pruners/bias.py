"""The paper's Table 3 ablation, "prune by bias": an output neuron's |bias| as the score of its weights.

Every weight of output row i gets the score |b_i|, so whole rows with the smallest biases go first
(per layer; a partly pruned row loses its smallest |W| first). ``sign=-1`` ("prune by -bias")
removes the largest biases first.

Models differ in which layers carry a bias, and the method has to say what it does with the others:

* **No prunable layer has a bias** (LLaMA, SmolLM2, Gemma): the method cannot be applied. It raises
  :class:`harness.core.interface.NotApplicable`, which the harness reports as "not applicable: model has
  no bias" in every cell, never a silent NA.
* **Some layers have one** (Qwen2: q, k and v projections; o_proj and the MLP have none): the layers
  with a bias are pruned by |bias| (or -|bias|); the layers without one are pruned by |W|, one
  threshold per layer, exactly as magnitude prunes them, and identically for bias and -bias. Every
  layer still reaches the target sparsity, so the overall level is met, and the three columns
  magnitude, bias and -bias differ only in how the biased layers are pruned: any gap between them
  is the bias signal alone. (The alternative readings were worse: a zero bias for the other layers
  turns ~93% of Qwen2's weights into random row pruning, and pruning only the biased layers cannot
  reach any level above their ~7% share of the weights.)
* **Every layer has one** (OPT, GPT-2 style): all layers are pruned by |bias|, as in the paper.
"""

from __future__ import annotations

from harness.core.interface import NotApplicable
from harness.core.sparsity import prunable_layers

from reference_pruners.scoring import prune_by_score


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None, sign=1.0):
    layers = layers or prunable_layers(model)
    if all(layer.bias is None for layer in layers.values()):
        raise NotApplicable(f"model has no bias: none of its {len(layers)} prunable layers has one "
                            f"(e.g. {next(iter(layers))})")

    def score(_name, layer):
        w = layer.weight.abs().double()
        if layer.bias is None:   # as magnitude prunes it, for bias and -bias alike (see the docstring)
            return w
        # float64 so that ties inside a row can be broken by |W|, scaled far below any bias gap.
        return sign * layer.bias.abs().double()[:, None] + 1e-12 * w / (w.max() + 1e-30)

    prune_by_score(model, sparsity, pattern, score, "layer", layers)
