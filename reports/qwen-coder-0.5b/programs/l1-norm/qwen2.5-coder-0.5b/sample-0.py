# prunegen candidate: machine-written, not reviewed by a person.
# idea: l1-norm (L1-norm pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 0
# prompt: template user, sha256 f133231e0ff875ab65b5616351ca14fba197819750ae329b9272ce6f565f95fb
# date: 2026-12-02T18:58:27Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity: float, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        # Rank the weights or groups by their L1 norm and remove those with the smallest norm
        if pattern == "unstructured":
            n = int(round(layer.weight.numel() * sparsity))
            if n == 0:
                continue
            sorted_indices = torch.argsort(torch.abs(layer.weight.data), dim=-1)
            # Remove indices that are smaller than the smallest normalized index
            mask = sorted_indices < torch.tensor(sorted_indices, dtype=torch.bool).min().item()
            layer.weight.data[mask] = 0
        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = layer.weight.reshape(w.shape[0], -1, m)
            # Rank each group by its L1 norm
            sorted_indices = torch.argsort(torch.abs(groups), dim=-1)
            # Remove indices that are smaller than the smallest normalized index
            mask = sorted_indices < torch.tensor(sorted_indices, dtype=torch.bool).min().item()
            groups.data[mask.reshape(groups.shape)] = 0
