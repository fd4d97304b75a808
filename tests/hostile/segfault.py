# expect: killed
"""Dereferences NULL through ctypes: SIGSEGV kills the interpreter."""
import ctypes


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    ctypes.string_at(0)
