# expect: sparsity-not-met
"""Returns without pruning anything."""


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    return None
