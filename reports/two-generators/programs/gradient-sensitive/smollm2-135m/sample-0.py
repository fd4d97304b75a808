# prunegen candidate: machine-written, not reviewed by a person.
# idea: gradient-sensitive (Gradient-sensitive pruning)
# model: smollm2-135m (provider local), sample 0
# prompt: template user, sha256 7aa69f2de701429534e55733fd91321faa2420e6a8cb406fe258dc79ead4a5ae
# date: 2026-12-07T15:32:34Z
# params: {"max_tokens": 256, "reasoning_effort": null, "seed": null, "temperature": 0.0, "top_p": null}
# extraction: syntax-error: fenced block 1 of 1 (python), unclosed: reply truncated?; does not parse: line 25: expected '('

import torch

def gradient_sensitive_prune(model, calib, weights, labels, lr, lr_decay, lr_max_lr, lr_decay_decay):
    """
    Prune the language-modelling loss based on gradients computed on the calibration data.
    """
    def prune_fn(weights):
        return 0.0
    def prune_fn_grad(weights):
        return 0.0
    def prune_fn_grad_decay(weights):
        return 0.0
    def prune_fn_decay_decay(weights):
        return 0.0
    def prune_fn_decay_decay_decay(weights):
        return 0.0
    def prune_fn_decay_decay_decay_decay(weights):
        return 0.0
    def prune_fn_decay_decay_decay_decay_decay(weights):
        return 0.0
    def prune_fn_decay_decay_decay_decay_decay_decay(weights):
        return 0.0
    def prune_fn_decay_decay_decay_decay_decay_decay_decay(weights):
        return 0.0
    def prune_fn_
