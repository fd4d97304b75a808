# expect: sparsity-not-met
"""Prunes nothing but patches torch and the harness so that any count in this process says 'met'."""
import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    torch.count_nonzero = lambda t, *a, **k: torch.tensor(0)
    torch.Tensor.__eq__ = lambda self, other: torch.ones(self.shape, dtype=torch.bool)
    import harness.core.sparsity as hs
    hs.meets_target = lambda *a, **k: None
    hs.measure = lambda w: hs.SparsityReport(tuple(hs.LayerSparsity(n, t.numel(), t.numel()) for n, t in w.items()))
