# expect: runtime-error|killed
"""Forks without end; the pids limit stops it (fork raises), not the host."""
import os


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    while True:
        os.fork()
