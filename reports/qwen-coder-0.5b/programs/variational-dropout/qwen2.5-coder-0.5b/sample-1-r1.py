# prunegen candidate: machine-written, not reviewed by a person.
# idea: variational-dropout (Variational-dropout pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 1
# prompt: template repair (round 1), sha256 b64be601c84465546a9fa20e9a5bf43d4d8a0b5828aadf85d505a6f1e42d4852
# date: 2026-12-07T11:19:49Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                             # torch.Tensor [out_features, in_features]
        log_alpha = calib[0]  # float (log alpha)

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

    # Zero exactly k weights of the lowest score in one layer (score: any tensor shaped like w).
    score = w.abs()
    k = int(round(w.numel() * sparsity))
    if k > 0:
        idx = torch.topk(score.flatten(), k, largest=False).indices
        w.view(-1)[idx] = 0
