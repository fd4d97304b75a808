# expect: runtime-error
"""Overwrites the dense weights file it was loaded from (the read-only weights mount)."""
import os


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    folder = model.name_or_path
    for name in os.listdir(folder):
        with open(os.path.join(folder, name), "r+b") as f:
            f.write(b"\0" * 64)
