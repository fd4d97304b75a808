# prunegen candidate: machine-written, not reviewed by a person.
# idea: variational-dropout (Variational-dropout pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 0
# prompt: template repair (round 3), sha256 dc68917e1d56c51a4b3c34534e1b2c292c0a7860820b4ea9c7f6d356f00d71e9
# date: 2026-12-03T11:18:21Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]
        scores = w.abs()
        if pattern == "unstructured":
            k = int(round(w.numel() * sparsity))
            if k == 0:
                continue
            threshold = torch.kthvalue(scores.flatten(), k).values
            p = torch.rand_like(scores)
            mask = (scores <= threshold) & (p < torch.exp(-threshold / scores))
        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = scores.reshape(w.shape[0], -1, m)              # [out, in/m, m]
            idx = torch.topk(groups, n, dim=-1, largest=False).indices
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
            p = (scores * mask.reshape(w.shape)).mean(1) / w.mean(1)

        # Apply the dropout rate to the weights
        if pattern == "unstructured":
            layer.weight.data[mask] = 0
        else:
            layer.weight.data.mul_(torch.exp(-p))

        # Ensure no NaN or infinity in the weights
        layer.weight.clamp_(min=0.0, max=None)
