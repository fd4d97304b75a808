# prunegen candidate: machine-written, not reviewed by a person.
# idea: l1-norm (L1-norm pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 1001
# prompt: template user, sha256 029b2f2abb46f6ed81379f9ceb4075331cd86eaef19efdc70bfae9257f35071e
# date: 2026-12-07T16:38:05Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch

def prune(model, sparsity: float, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]

        if pattern == "unstructured":
            norm = torch.linalg.norm(w, p=1)          # L1 norm of the whole weight matrix
            k = int(round(norm * sparsity))           # number of weights to remove
            if k > 0:
                idxs = torch.topk(torch.abs(w.flatten()), k, largest=False).indices
                w[idxs] = 0

        else:
            n, m = (int(x) for x in pattern.split(":"))
            norm_per_group = torch.linalg.norm(w.reshape(layer.in_features, -1, m), p=1, dim=-1)
            k_per_group = int(round(norm_per_group.sum() * sparsity)) # number of weights to remove per group
            if k_per_group > 0:
                idxs_per_group = torch.topk(torch.abs(norm_per_group.flatten()), k_per_group, largest=False).indices
                mask = torch.zeros_like(norm_per_group, dtype=torch.bool)
                mask.scatter_(-1, idxs_per_group, True)
                w[mask.reshape(w.shape)] = 0

        layer.weight.data = w
