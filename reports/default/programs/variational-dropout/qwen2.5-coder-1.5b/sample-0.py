# prunegen candidate: machine-written, not reviewed by a person.
# idea: variational-dropout (Variational-dropout pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 0
# prompt: template user, sha256 844f6fc2f8113f3ac67326c38b9551473ee41ea7c440cc2bcc0c6903b1c0d622
# date: 2026-12-06T12:05:25Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch
from typing import *
import math


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    if pattern == "unstructured":
        raise ValueError("Unstructured pruning is not supported.")
    else:
        n, m = (int(x) for x in pattern.split(":"))
        groups = calib.reshape(model.model.layers[0].in_features, -1, m).transpose(1, 2)
        log_alphas = []
        losses = []

        def make_hook(name):
            def hook(module, inputs, output):
                a = inputs[0].detach().float()              # [tokens]
                for i in range(m):
                    noise = torch.randn(a.shape[-1])
                    loss = model(a + noise.unsqueeze(0)).loss
                    losses.append(loss)
                    log_alphas.append(-math.log(math.exp((loss - 1) / model.config.temperature)))
            return hook

        handles = [layer.register_forward_hook(make_hook(name)) for name, layer in layers.items()]

        with torch.no_grad():
            for i in range(calib.shape[0]):
                model(calib[i:i + 1].to(device))

        losses = torch.stack(losses)
        log_alphas = torch.stack(log_alphas)

        sorted_indices = torch.argsort(-log_alphas, dim=1)[:, :n]
        sorted_groups = groups.transpose(1, 2).gather(-1, sorted_indices.unsqueeze(2)).transpose(1, 2)

        for i in range(model.model.layers[0].in_features):
            if i < m:
                continue
            mask = torch.topk(sorted_groups[i], n, dim=0, largest=False).indices
            model.model.layers[0].weight.data[mask] = 0

        for h in handles:
            h.remove()
