# prunegen candidate: machine-written, not reviewed by a person.
# idea: gradient-based (Gradient-based pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 1
# prompt: template user, sha256 4c631310205bb39ee4626f0daa99ed4ebbcd0f67b7dcc720e1173ad625fc4eb9
# date: 2026-12-02T18:00:09Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]
        if pattern == "unstructured":
            k = int(round(w.numel() * sparsity))
            if k == 0:
                continue
            scores = torch.zeros_like(w)
            if device != "cpu":
                with torch.no_grad():
                    model.eval()
                    for i in range(len(calib)):
                        model(calib[i:i+1].to(device))     # forward pass
            else:
                model.eval()
                for i in range(len(calib)):
                    model(calib[i:i+1])
            scores[torch.abs(w) < torch.kthvalue(torch.abs(w).flatten(), k).values] = 1
        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = scores.reshape(w.shape[0], -1, m)              # [out, in/m, m]
            idx = torch.topk(groups, n, dim=-1, largest=False).indices
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
            w[mask.reshape(w.shape)] = 0
