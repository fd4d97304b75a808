# prunegen candidate: machine-written, not reviewed by a person.
# idea: elastic-weight-consolidation (Elastic weight consolidation pruning)
# model: smollm2-135m (provider local), sample 0
# prompt: template user, sha256 0d8e133396c32f6fd177d2ea266fd4ed421744b4dad91058bfd1074630dec2d4
# date: 2026-12-07T15:32:34Z
# params: {"max_tokens": 256, "reasoning_effort": null, "seed": null, "temperature": 0.0, "top_p": null}
# extraction: syntax-error: fenced block 1 of 1 (python), unclosed: reply truncated?; does not parse: line 28: expected '('

import torch

def elastic_weight_consolidation_prune(model, sparsity, calib, pattern="unstructured", device="cpu", layers=None):
    """
    Prune a model based on elastic weight consolidation pruning.
    """
    def elastic_weight_consolidation_prune_functional(layer):
        """
        Recursively apply elastic weight consolidation pruning to the layer.
        """
        if layer.weight.data.shape[0] == 1:
            return layer.weight.grad.flatten()
        else:
            return elastic_weight_consolidation_prune_functional_layer(layer.weight.grad)

    def elastic_weight_consolidation_prune_layer(layer):
        """
        Recursively apply elastic weight consolidation pruning to the layer.
        """
        return elastic_weight_consolidation_prune_functional_layer(layer)

    def elastic_weight_consolidation_prune_layer_functional(layer):
        """
        Recursively apply elastic weight consolidation pruning to the layer.
        """
        return elastic_weight_consolidation_prune_functional_layer(layer)

    def elastic_weight_
