# prunegen candidate: machine-written, not reviewed by a person.
# idea: gradient-based (Gradient-based pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 1
# prompt: template repair (round 2), sha256 1c6539f9cc0b9c8523831bd358494a4d99b1b42dfb2d0e080a1776be74ca1122
# date: 2026-12-03T10:52:57Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

from typing import *
import torch
import math

def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]
        # Accumulate the squared gradients of the loss on the calibration data
        sq_grads = torch.zeros_like(w)
        def make_hook(name):
            def hook(module, inputs, output):
                a = inputs[0].detach().float().reshape(-1, inputs[0].shape[-1])   # [tokens, in_features]
                sq_grads[name] += (a * a).sum(dim=0)
            return hook
        handles = [layer.register_forward_hook(make_hook(name)) for name, layer in layers.items()]
        with torch.no_grad():
            for i in range(calib.shape[0]):
                model(calib[i:i + 1].to(device))
        for h in handles:
            h.remove()

        # Compute the importance of each weight based on squared gradients
        importances = sq_grads / w.view(-1).sum()

        # Prune weights that are least sensitive to the loss
        k = int(round(w.numel() * sparsity))
        if k > 0:
            idx = torch.topk(importances, k, largest=False).indices
            w.view(-1)[idx] = 0
