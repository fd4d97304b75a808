# prunegen candidate: machine-written, not reviewed by a person.
# idea: random-pattern (Random-pattern pruning)
# model: smollm2-135m (provider local), sample 0
# prompt: template user, sha256 b50ba12016f2e5504b762b86e1cddb53c7efb1c02ba67b4aec28a81d9869f202
# date: 2026-12-07T15:32:34Z
# params: {"max_tokens": 256, "reasoning_effort": null, "seed": null, "temperature": 0.0, "top_p": null}
# extraction: syntax-error: fenced block 1 of 1 (python), unclosed: reply truncated?; does not parse: line 29: unterminated triple-quoted string literal (detected at line 30)

import random
import numpy as np

def random_pattern_prune(model, sparsity, pattern):
    """
    Random-pattern pruning.
    """
    return random.randint(0, 1) * random.randint(0, 1) * random.randint(0, 1) * random.randint(0, 1) * random.randint(0, 1)

def prune(model, sparsity, pattern):
    """
    Prune the model with random patterns.
    """
    return random_pattern_prune(model, sparsity, pattern)

def prune_random_pattern_prune(model, sparsity, pattern):
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
    Prune the model with random patterns
