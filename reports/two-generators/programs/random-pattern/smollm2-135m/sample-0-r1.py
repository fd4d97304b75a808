# prunegen candidate: machine-written, not reviewed by a person.
# idea: random-pattern (Random-pattern pruning)
# model: smollm2-135m (provider local), sample 0
# prompt: template repair (round 1), sha256 617d07ccb827a9b61dd6e48f8c859f6b9b62d03b88673a55d3fa188b951f855d
# date: 2026-12-07T15:43:54Z
# params: {"max_tokens": 256, "reasoning_effort": null, "seed": null, "temperature": 0.0, "top_p": null}
# extraction: syntax-error: fenced block 1 of 1 (python), unclosed: reply truncated?; does not parse: line 32: '(' was never closed

import random
import numpy as np

def random_pattern_prune(model, sparsity, pattern):
    """
    Random-pattern pruning.
    """
    return random.randint(0, 1) * random.randint(0, 1) * random.randint(0, 1) * random.randint(0, 1)

def prune(model, sparsity, pattern):
    """
    Prune the model with random patterns.
    """
    return prune(model, sparsity, pattern)

def prune_random_pattern_prune_random_pattern(model, sparsity, pattern):
    """
    Prune the model with random patterns.
    """
    return prune(model, sparsity, pattern)

def prune_random_pattern_prune_random_pattern_random_pattern(model, sparsity, pattern):
    """
    Prune the model with random patterns.
    """
    return prune(model, sparsity, pattern)

def prune_random_pattern_prune_random_pattern_random_pattern(model, sparsity, pattern):
    """
    Prune the model with random patterns.
    """
    return prune(
