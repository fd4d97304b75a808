# expect: runtime-error
"""Calls sys.exit(0) before pruning; SystemExit is caught as the candidate's runtime error."""
import sys


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    sys.exit(0)
