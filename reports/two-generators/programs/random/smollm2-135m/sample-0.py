# prunegen candidate: machine-written, not reviewed by a person.
# idea: random (Random pruning)
# model: smollm2-135m (provider local), sample 0
# prompt: template user, sha256 3dfcc05ef9cb62470127f391bb23dd35363b8acf6542d1ba8a7a990ff087b174
# date: 2026-12-07T15:32:34Z
# params: {"max_tokens": 256, "reasoning_effort": null, "seed": null, "temperature": 0.0, "top_p": null}
# extraction: syntax-error: fenced block 1 of 1 (python), unclosed: reply truncated?; does not parse: line 19: '[' was never closed

import random
import numpy as np

def random_prune(model, sparsity, calib, pattern="unstructured"):
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
    pruned_weights = [random.random
