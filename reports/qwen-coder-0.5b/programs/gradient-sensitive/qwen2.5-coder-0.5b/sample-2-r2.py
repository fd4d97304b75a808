# prunegen candidate: machine-written, not reviewed by a person.
# idea: gradient-sensitive (Gradient-sensitive pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 2
# prompt: template repair (round 2), sha256 71c0d8d3d764f2c1d97161efa49233d9a76d9a069a5d05ad622ccdcfbbf88379
# date: 2026-12-07T11:33:41Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                             # [out_features, in_features]

        # Compute the magnitude |w * dL/dw| of the loss change
        grad_norm = torch.norm(w * calib[0:1].to(device), dim=-1)  # broadcast [in_features] over the rows

        # Remove the weights whose removal is predicted to change the loss the least
        mask = torch.where(grad_norm < sparsity - 0.001).indices
        w[mask.reshape(w.shape)] = 0

        # Ensure the weight remains bit-identical
        layer.weight.data[mask] = w[mask].clone()
