# prunegen candidate: machine-written, not reviewed by a person.
# idea: structured (Structured pruning)
# model: smollm2-135m (provider local), sample 0
# prompt: template user, sha256 0215089dc7ed9e06df5d9e8b2f7d686c5ea3b4a953c50ec31c0e21e56bbbd16e
# date: 2026-12-07T15:32:34Z
# params: {"max_tokens": 256, "reasoning_effort": null, "seed": null, "temperature": 0.0, "top_p": null}
# extraction: syntax-error: fenced block 1 of 1 (python), unclosed: reply truncated?; does not parse: line 24: invalid syntax

import numpy as np

def prune(model, sparsity, calib, pattern="unstructured"):
    """
    Prune a model based on a given pattern.
    """
    # Remove entire structures
    pruned_model = model.to(device)
    pruned_model = pruned_model.to(device)
    pruned_model = pruned_model.to(device)
    pruned_model = pruned_model.to(device)
    pruned_model = pruned_model.to(device)
    pruned_model = pruned_model.to(device)
    pruned_model = pruned_model.to(device)
    pruned_model = pruned_model.to(device)
    pruned_model = pruned_model.to(device)
    pruned_model = pruned_model.to(device)
    pruned_model = pruned_model.to(device)
    pruned_model = pruned_model.to(device)
    pruned_model = pruned_model.to(device)
    pruned_model = pruned_model.to(device)
    pruned_model = pruned_model.to(device)
    pruned_model = pruned_model.to(device)
    pruned_model =
