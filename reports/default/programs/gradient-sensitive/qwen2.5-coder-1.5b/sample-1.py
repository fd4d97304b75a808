# prunegen candidate: machine-written, not reviewed by a person.
# idea: gradient-sensitive (Gradient-sensitive pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 1
# prompt: template user, sha256 d8f1882a3a3cdb09fb6f9e548cd65ec8853a323c7b0f4ca2bcba39bbee7a6873
# date: 2026-12-02T17:56:22Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: syntax-error: fenced block 1 of 1 (python), unclosed: reply truncated?; does not parse: line 95: '(' was never closed

from typing import *
import torch

def prune(model, sparsity: float, calib, *, pattern="unstructured", device="cpu", layers=None):
    # Check if the input parameters are valid
    if not isinstance(model, torch.nn.Module) or not callable(model.eval):
        raise ValueError("model must be a transformer causal LM in eval() mode")
    if not isinstance(sparsity, float) or sparsity < 0 or sparsity > 1:
        raise ValueError("sparsity must be in (0, 1)")
    if not isinstance(calib, torch.LongTensor) or calib.shape[0] != len(model.config.n_samples):
        raise ValueError("calib must be a LongTensor of shape [nsamples, seqlen]")
    if layers is None:
        layers = harness.sparsity.prunable_layers(model)

    # Move the calibration data to the device
    with torch.no_grad():
        calib.to(device)

    # Compute gradients on the calibration data for each weight in the prunable layers
    grad_loss = 0.0
    for name, layer in layers.items():
        w = layer.weight.data
        if pattern == "unstructured":
            k = int(round(w.numel() * sparsity))
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

    # Compute the total gradient loss
    for name, layer in layers.items():
        w = layer.weight.data
        if pattern == "unstructured":
            k = int(round(w.numel() * sparsity))
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

    # Compute the total gradient loss
    for name, layer in layers.items():
        w = layer.weight.data
        if pattern == "unstructured":
            k = int(round(w.numel() * sparsity))
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

    # Compute the total gradient loss
    for name, layer in layers.items():
        w = layer.weight.data
        if pattern == "unstructured":
            k = int(round(w.numel() * sparsity))
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

    # Compute the total gradient loss
    for name, layer in layers.items():
        w = layer.weight.data
        if pattern == "unstructured":
            k = int(round(w.numel() * sparsity))
            if k == 0:
                continue
            threshold = torch.kthvalue(w.flatten(), k).values
            w[score <= threshold] = 0
        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = score.reshape(w.shape
