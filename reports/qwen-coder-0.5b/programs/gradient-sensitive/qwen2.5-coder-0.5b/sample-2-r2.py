# prunegen candidate: machine-written, not reviewed by a person.
# idea: gradient-sensitive (Gradient-sensitive pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 2
# prompt: template repair (round 2), sha256 af2b5ec6d602972cc03519400c3edfbf30e401ebee681d39870fcc5e22f8000d
# date: 2026-12-03T00:22:27Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch

def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]
        score = w.abs()                                # [out_features, in_features]

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

        # Compute the loss change for the least modification
        loss_change = calib[:, :k].mean().item() - calib[:, k:].mean().item()

        if sparsity * 0.001 < loss_change:
            return None

        # Remove weights whose removal is predicted to change the loss the least
        w[mask.reshape(w.shape)] = 0
