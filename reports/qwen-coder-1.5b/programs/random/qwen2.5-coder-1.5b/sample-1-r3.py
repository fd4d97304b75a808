# prunegen candidate: machine-written, not reviewed by a person.
# idea: random (Random pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 1
# prompt: template repair (round 3), sha256 c5045bc61c20af1131a17e0d6419072ab3e91e6ee2d611717f191e13e9c68e23
# date: 2026-12-03T11:16:16Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity: float, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]

        if pattern == "unstructured":
            k = int(round(w.numel() * sparsity))
            if k == 0:
                continue

            indices = torch.arange(w.numel())
            random.shuffle(indices)
            indices = indices[:k]

            for i in range(len(indices)):
                if indices[i] >= w.shape[0]:
                    raise IndexError("index {} is out of bounds for dimension 0 with size {}".format(i, w.shape[0]))

            w[indices] = 0

        elif pattern == "N:M":
            n, m = (int(x) for x in pattern.split(":"))
            groups = w.reshape(w.shape[0], -1, m)              # [out, in/m, m]
            idx = torch.arange(groups.numel())
            random.shuffle(idx)
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
            w[mask.reshape(w.shape)] = 0

        layer.weight.data[:] = w
