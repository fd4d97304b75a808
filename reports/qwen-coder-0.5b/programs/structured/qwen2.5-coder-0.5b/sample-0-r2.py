# prunegen candidate: machine-written, not reviewed by a person.
# idea: structured (Structured pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 0
# prompt: template repair (round 2), sha256 1e8df5a9ffbd90c5bee12da12e3779837c9eac6afd7b845def97b12d4314b1ee
# date: 2026-12-07T11:38:10Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: syntax-error: fenced block 1 of 1 (python), unclosed: reply truncated?; does not parse: line 84: expected ':'

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                             # [out_features, in_features]

        if not isinstance(w, torch.Tensor):
            raise SyntaxError(f"Expected 'w' to be a tensor (got {type(w)}).")

        if not (0 <= sparsity < 1):
            raise ValueError("sparsity must be between 0 and 1.")

        if pattern == "unstructured":
            k = int(round(w.numel() * sparsity))
            if k == 0:
                continue
            threshold = torch.kthvalue(score.flatten(), k).values
            w[score <= threshold] = 0

        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = score.reshape(w.shape[0], -1, m)
            idx = torch.topk(groups, n, dim=-1, largest=False).indices
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
            w[mask.reshape(w.shape)] = 0

        if pattern == "N:M":
            k, m = (int(x) for x in pattern.split(":"))
            groups = score.reshape(w.shape[0], -1, m)
            idx = torch.topk(groups, n, dim=-1, largest=False).indices
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
            w[mask.reshape(w.shape)] = 0

        if pattern == "unstructured" or pattern == "N:M":
            k, m = (int(x) for x in pattern.split(":"))
            groups = score.reshape(w.shape[0], -1, m)
            idx = torch.topk(groups, n, dim=-1, largest=False).indices
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
            w[mask.reshape(w.shape)] = 0

        if pattern == "unstructured" or pattern == "N:M":
            k, m = (int(x) for x in pattern.split(":"))
            groups = score.reshape(w.shape[0], -1, m)
            idx = torch.topk(groups, n, dim=-1, largest=False).indices
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
            w[mask.reshape(w.shape)] = 0

        if pattern == "unstructured" or pattern == "N:M":
            k, m = (int(x) for x in pattern.split(":"))
            groups = score.reshape(w.shape[0], -1, m)
            idx = torch.topk(groups, n, dim=-1, largest=False).indices
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
            w[mask.reshape(w.shape)] = 0

        if pattern == "unstructured" or pattern == "N:M":
            k, m = (int(x) for x in pattern.split(":"))
            groups = score.reshape(w.shape[0], -1, m)
            idx = torch.topk(groups, n, dim=-1, largest=False).indices
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
            w[mask.reshape(w.shape)] = 0

        if pattern == "unstructured" or pattern == "N:M":
            k, m = (int(x) for x in pattern.split(":"))
            groups = score.reshape(w.shape[0], -1, m)
            idx = torch.topk(groups, n, dim=-1, largest=False).indices
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
            w[mask.reshape(w.shape)] = 0

        if pattern == "unstructured" or pattern == "N:M":
            k, m = (int(x) for x in pattern.split(":"))
            groups = score.reshape(w.shape[0], -1, m)
            idx = torch.topk(groups, n, dim=-1, largest=False).indices
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
            w[mask.reshape(w.shape)] = 0

        if pattern == "unstructured" or pattern == "N:M":
            k, m = (int(x) for x in pattern.split(":"))
            groups = score.reshape(w.shape[0], -1, m)
            idx = torch.topk(groups, n, dim=-1, largest=False).indices
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
            w[mask.reshape(w.shape)] = 0

        if pattern
