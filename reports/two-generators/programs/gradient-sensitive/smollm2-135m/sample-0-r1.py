# prunegen candidate: machine-written, not reviewed by a person.
# idea: gradient-sensitive (Gradient-sensitive pruning)
# model: smollm2-135m (provider local), sample 0
# prompt: template repair (round 1), sha256 631c37976fd9b1fb8c45d779508b12022b43b59a68e85fd7bc68c5fe2ab4e49d
# date: 2026-12-07T15:40:38Z
# params: {"max_tokens": 256, "reasoning_effort": null, "seed": null, "temperature": 0.0, "top_p": null}
# extraction: syntax-error: fenced block 1 of 1 (python), unclosed: reply truncated?; does not parse: line 23: expected '('

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
    def prune_fn_grad_decay_decay_decay(weights):
        return 0.0
    def prune_fn_grad_decay_decay_decay_decay(weights):
        return 0.0
    def prune_fn_grad_decay_decay_decay_decay_decay(weights):
        return 0.0
    def prune_fn_grad_decay_decay_decay_decay_decay_decay(weights):
        return 0.0
    def prune_fn_grad_decay_decay_decay_decay_decay_decay_decay_decay(weights):
        return 0.0
    def prune_fn_grad_decay_decay_
