"""The interface document's magnitude example (prompts/seeds/magnitude.py, which every program-form
prompt shows), run as a reference method: a machine-written program that returns its masks at every level is
this example in effect. Below the docstring, byte for byte the seed (tests/test_reference_pruners.py checks).
"""

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]
        score = w.abs()
        if pattern == "unstructured":
            k = int(round(w.numel() * sparsity))
            if k == 0:
                continue
            threshold = torch.kthvalue(score.flatten(), k).values
            w[score <= threshold] = 0
        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = score.reshape(w.shape[0], -1, m)              # [out, in/m, m]
            idx = torch.topk(groups, n, dim=-1, largest=False).indices
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
            w[mask.reshape(w.shape)] = 0
