# expect: import-error
"""Imports a module that is not in the sandbox."""
import requests_that_do_not_exist  # noqa: F401


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    pass
