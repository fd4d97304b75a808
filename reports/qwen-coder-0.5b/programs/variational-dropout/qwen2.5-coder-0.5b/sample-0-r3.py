# prunegen candidate: machine-written, not reviewed by a person.
# idea: variational-dropout (Variational-dropout pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 0
# prompt: template repair (round 3), sha256 136d70486fdc65bab210d6e2e153e7ea29633fd8e50f48daa6051c65c892bf24
# date: 2026-12-07T11:53:22Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                             # [out_features, in_features]

        if not model.config['use_dropout']:
            continue  # Skip dropout layers

        alpha = calib[0] # per-weight dropout rate (log_alpha)
        sparsity_level = 1 - alpha

        if pattern == "unstructured":
            k = int(round(sparsity * w.numel()))
            if k == 0:
                continue
            threshold = torch.kthvalue(w.flatten(), k).values
            w[score <= threshold] = 0
        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = score.reshape(w.shape[0], -1, m)              # [out, in/m, m]
            idx = torch.topk(groups, n, dim=-1, largest=False).indices
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
            w[mask.reshape(w.shape)] = 0

        if not model.config['use_dropout']:
            continue  # Skip dropout layers (though it's done here for clarity)

        score = w.abs()
        k = int(round(score * alpha))
        if k > 0:
            idx = torch.topk(score.flatten(), k, largest=False).indices
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
            w[mask.reshape(w.shape)] = 0
