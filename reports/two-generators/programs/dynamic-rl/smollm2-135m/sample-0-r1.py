# prunegen candidate: machine-written, not reviewed by a person.
# idea: dynamic-rl (Dynamic pruning with reinforcement learning)
# model: smollm2-135m (provider local), sample 0
# prompt: template repair (round 1), sha256 a9383f3de6c563359ef9a9655ad9c64bf9866a2e1f899cb827a4ba863441744a
# date: 2026-12-07T15:46:02Z
# params: {"max_tokens": 256, "reasoning_effort": null, "seed": null, "temperature": 0.0, "top_p": null}
# extraction: syntax-error: fenced block 1 of 1 (python), unclosed: reply truncated?; does not parse: line 25: invalid syntax

import torch

def prune(model, sparsity, calib, pattern="unstructured", device="cpu", layers=None):
    def get_per_layer_weight_level(layer):
        return layer.weight.data.shape[0] / layer.weight.shape[0]

    def get_per_layer_action_value(layer):
        return layer.action_value()

    def get_per_layer_loss_value(layer):
        return layer.loss_value()

    def get_per_layer_action_value_per_layer(layer):
        return get_per_layer_action_value(layer)

    def get_per_layer_action_value_per_layer_per_layer(layer):
        return get_per_layer_action_value(layer)

    def get_per_layer_action_value_per_layer_per_layer(layer):
        return get_per_layer_action_value(layer)

    def get_per_layers_per_layer_per_layer_per_layer(layer):
        return get_per_layers_per_layer_per_layer(layer)

    def
