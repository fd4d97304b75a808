# prunegen candidate: machine-written, not reviewed by a person.
# idea: elastic-weight-consolidation (Elastic weight consolidation pruning)
# model: smollm2-135m (provider local), sample 0
# prompt: template repair (round 1), sha256 3a10b6a120f634b044f64e199f8a78b069d45c936b0fbaff21f5e3d83d9b8993
# date: 2026-12-07T15:45:24Z
# params: {"max_tokens": 256, "reasoning_effort": null, "seed": null, "temperature": 0.0, "top_p": null}
# extraction: syntax-error: fenced block 1 of 1 (python), unclosed: reply truncated?; does not parse: line 15: expected '('

import torch

def elastic_weight_consolidation_prune_functional(layer):
    """
    Recursively apply elastic weight consolidation pruning to the layer.
    """
    return elastic_weight_consolidation_prune_functional_layer(layer)

def elastic_weight_consolidation_prune_layer_functional_layer(layer):
    """
    Recursively apply elastic weight consolidation pruning to the layer.
    """
    return elastic_weight_consolidation_prune_functional_layer(layer)

def elastic_weight_
