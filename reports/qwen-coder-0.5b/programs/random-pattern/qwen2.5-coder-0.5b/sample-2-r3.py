# prunegen candidate: machine-written, not reviewed by a person.
# idea: random-pattern (Random-pattern pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 2
# prompt: template repair (round 3), sha256 1837d9a3f9118c138b117d86d195d67e61b23a4d44cd8ace356e103366a155ff
# date: 2026-12-07T11:53:05Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="random", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]

        if pattern == "unstructured":
            k = int(round(w.numel() * sparsity))
            if k == 0:
                continue
            mask = torch.randint(0, k, w.size(), device=device)
            mask[mask < k] = 0
            layer.weight.data[mask.to(device)] = 0

        elif pattern in ["N:M", "2:4"]:
            n, m = (int(x) for x in pattern.split(":"))
            groups = torch.abs(score.reshape(w.shape[0], -1, m))              # [out, in/m, m]
            idx = torch.topk(groups, n, dim=-1, largest=False).indices
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
            layer.weight.data[mask.reshape(w.shape)] = 0

        elif pattern == "random":
            k = int(round(w.numel() * sparsity))
            if k == 0:
                continue
            mask = torch.randint(0, k, w.size(), device=device)
            mask[mask < k] = 0
            layer.weight.data[mask.to(device)] = 0

        # Zero exactly k weights of the lowest score in one layer (score: any tensor shaped like w).
        score = w.abs()
        k = int(round(w.numel() * sparsity))
        if k > 0:
            idx = torch.topk(score.flatten(), k, largest=False).indices
            mask = torch.zeros_like(score, dtype=torch.bool).scatter_(-1, idx, True)
            layer.weight.data[mask.reshape(w.shape)] = 0

    return model
