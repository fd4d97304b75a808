# prunegen candidate: machine-written, not reviewed by a person.
# idea: structured (Structured pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 1
# prompt: template user, sha256 1efb58000ce6f43d7d05074ed3fd4e868d5d4188139fa68c974e635ea44b2884
# date: 2026-12-02T17:57:50Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    if not layers:
        layers = harness.sparsity.prunable_layers(model)

    for name, layer in layers.items():
        w = layer.weight.data  # [out_features, in_features]

        if pattern == "unstructured":
            k = int(round(w.numel() * sparsity))
            if k == 0:
                continue

            score = w.abs()
            if k == 0:
                continue
            threshold = torch.kthvalue(score.flatten(), k).values
            mask = torch.zeros_like(w, dtype=torch.bool).scatter_(-1, torch.where(score <= threshold)[0], True)
        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = score.reshape(w.shape[0], -1, m)  # [out, in/m, m]
            idx = torch.topk(groups, n, dim=-1, largest=False).indices
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
            w[mask.reshape(w.shape)] = 0

        layer.weight.data.copy_(w)

    print("Pruning complete.")
