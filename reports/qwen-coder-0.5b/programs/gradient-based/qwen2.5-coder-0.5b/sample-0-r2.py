# prunegen candidate: machine-written, not reviewed by a person.
# idea: gradient-based (Gradient-based pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 0
# prompt: template repair (round 2), sha256 2e5b63bde02af14c8253cd3edb3422681a2d7ae2437367f6cc5a10b74513724f
# date: 2026-12-03T00:24:56Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch

def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]
        score = w.abs()
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

        # Gradient-based pruning (core idea 08)
        calib_grads = calib.to(device) if device == "cpu" else calib.grad
        grad_norms = torch.norm(calib_grads)
        grad_squared_norms = grad_norms * grad_norms

        # Movement pruning: keep weights moving away from zero under training
        weight_decay = sparsity - 0.01
        if layer.weight.requires_grad:
            delta = -(weight_decay * (calib_grads + grad_squared_norms))
            layer.weight.data -= delta
