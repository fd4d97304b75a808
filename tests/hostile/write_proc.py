# expect: runtime-error
"""Writes into /proc: kernel settings and the sysrq trigger."""


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3")
