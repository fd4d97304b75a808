# expect: sparsity-not-met
"""Zeroes every prunable weight whatever the level: 100% is not 50% (issue 20 item 5; the check was one-sided)."""


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for layer in layers.values():
        layer.weight.data.zero_()
