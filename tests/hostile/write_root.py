# expect: runtime-error
"""Writes a file into / (read-only root file system)."""


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    with open("/pwned", "w") as f:
        f.write("x")
