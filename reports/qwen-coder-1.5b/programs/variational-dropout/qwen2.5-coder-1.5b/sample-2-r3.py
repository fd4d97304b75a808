# prunegen candidate: machine-written, not reviewed by a person.
# idea: variational-dropout (Variational-dropout pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 2
# prompt: template repair (round 3), sha256 753efa5ccfa6b201cb311d5c697a8d3f60405ce3a9763c1e8115a4ce675b33c9
# date: 2026-12-03T11:19:06Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch
import math

def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]
        scores = torch.zeros(w.shape, dtype=torch.float)  # log alpha values
        if pattern == "unstructured":
            k = int(round(w.numel() * sparsity))
            if k == 0:
                continue
            for i in range(calib.size(0)):
                x = calib[i:i + 1].to(device)
                with torch.no_grad():
                    out = model(x, labels=x)
                    loss = out.loss
                    grad = {name: layer.weight.grad.detach().clone() for name, layer in layers.items()}
                    model.zero_grad(set_to_none=True)
                    out.loss.backward()
                    for h in handles:
                        h.remove()
                score = (w - torch.mean(w)) ** 2
                scores[i] = math.log(torch.mean(score))
        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = w.reshape(w.shape[0], -1, m)              # [out, in/m, m]
            for i in range(calib.size(0)):
                x = calib[i:i + 1].to(device)
                with torch.no_grad():
                    out = model(x, labels=x)
                    loss = out.loss
                    grad = {name: layer.weight.grad.detach().clone() for name, layer in layers.items()}
                    model.zero_grad(set_to_none=True)
                    out.loss.backward()
                    for h in handles:
                        h.remove()
                score = (groups - torch.mean(groups)) ** 2
                scores[i] = math.log(torch.mean(score))
        k = int(round(w.numel() * sparsity))
        if k == 0:
            continue
        top_scores, top_indices = torch.topk(scores.flatten(), k)
        mask = top_scores > -1e-10
        w[mask.reshape(w.shape)] = 0
