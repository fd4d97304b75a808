# prunegen candidate: machine-written, not reviewed by a person.
# idea: random (Random pruning)
# model: smollm2-135m (provider local), sample 0
# prompt: template repair (round 1), sha256 5057b923de937aa3420c46e4438028774e8ddbb5d129991442f6d5deab92e246
# date: 2026-12-07T15:43:16Z
# params: {"max_tokens": 256, "reasoning_effort": null, "seed": null, "temperature": 0.0, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python), unclosed: reply truncated?; defines no prune()

import random
import numpy as np

def random_prune(model, sparsity, calib, pattern="unstructured", device="cpu", layers=None):
    """
    Random pruning algorithm based on this core idea.
    """
    weights = [random.random() * sparsity]
    pruned_weights = [random.random() * calib[0] * pattern]
    pruned_weights = [random.random() * calib[1] * pattern]
    pruned_weights = [random.random() * calib[2] * pattern]
    pruned_weights = [random.random() * calib[3] * pattern]
    pruned_weights = [random.random() * calib[4] * pattern]
    pruned_weights = [random.random() * calib[5] * pattern]
    pruned_weights = [random.random() * calib[6] * pattern]
    pruned_weights = [random.random() * calib[7] * pattern]
    pruned_weights = [random.random() * calib[8] * pattern]
    pruned_weights = [random.random() * calib[9] * pattern]
