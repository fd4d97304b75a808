# prunegen candidate: machine-written, not reviewed by a person.
# idea: structured (Structured pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 0
# prompt: template repair (round 3), sha256 7a0148bbf6943ab4db62c388fdfd8cdbff594d53c7a4e5d525e595d02f2c652d
# date: 2026-12-03T11:14:02Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]

        if sparsity == 0:
            continue

        # Calculate the importance scores
        if pattern == "unstructured":
            num_non_zero = (w != 0).sum().item()
            total_weights = w.numel()
            importance_score = num_non_zero / total_weights
        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = w.reshape(-1, -1, m)              # [out, in/m, m]
            importance_scores = (groups != 0).sum(dim=2).mean(dim=1)

        # Find the top k weights with highest importance score
        if sparsity == 1:
            top_k_indices = torch.argmax(importance_scores)
        else:
            top_k_indices = torch.topk(importance_scores, int(round(len(importance_scores) * (1 - sparsity))), largest=False).indices

        # Set the chosen weights to zero
        mask = torch.zeros_like(w, dtype=torch.bool).scatter_(-1, top_k_indices, True)
        w[mask] = 0
