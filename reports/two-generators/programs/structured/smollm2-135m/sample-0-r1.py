# prunegen candidate: machine-written, not reviewed by a person.
# idea: structured (Structured pruning)
# model: smollm2-135m (provider local), sample 0
# prompt: template repair (round 1), sha256 9739e055fb117f520c860180880f191270001bc493d64e39eaaff520060699c9
# date: 2026-12-07T15:42:02Z
# params: {"max_tokens": 256, "reasoning_effort": null, "seed": null, "temperature": 0.0, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python), unclosed: reply truncated?

import numpy as np

def prune(model, sparsity, calib, pattern="unstructured", device="cpu", layers=None):
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
    pruned_model = pruned_model.to
