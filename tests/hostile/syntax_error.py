# expect: syntax-error
"""Does not parse."""
def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None)
    pass
