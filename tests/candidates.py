"""Replies a generator might give, shared by the end-to-end tests."""

GOOD = '''```python
import torch

def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for layer in layers.values():
        w = layer.weight.data
        k = int(round(w.numel() * sparsity))
        if k:
            w.view(-1)[torch.topk(w.abs().flatten(), k, largest=False).indices] = 0
```'''
