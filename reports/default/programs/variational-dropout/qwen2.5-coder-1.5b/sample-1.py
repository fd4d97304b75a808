# prunegen candidate: machine-written, not reviewed by a person.
# idea: variational-dropout (Variational-dropout pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 1
# prompt: template user, sha256 dc1173c02f379d3155912507a64e075cbc15e43df9a3661f16f4613cec9b26eb
# date: 2026-12-02T17:59:32Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch
from typing import Optional, Dict

def prune(model: torch.nn.Module, sparsity: float, calib: torch.LongTensor,
          *, pattern: str = "unstructured", device: str = "cpu",
          layers=None) -> None:
    if layers is None:
        layers = harness.sparsity.prunable_layers(model)

    for name, layer in layers.items():
        w = layer.weight.data  # [out_features, in_features]
        if pattern == "unstructured":
            k = int(round(w.numel() * sparsity))
            if k == 0:
                continue
            log_alpha = torch.zeros_like(w).uniform_(-1e-4, 1e-4)
            for _ in range(20):
                grad = (w / (torch.exp(log_alpha) + 1)).mean(dim=0)
                loss = model(calib.to(device))[0]
                loss.backward(grad * grad, retain_graph=True)
                log_alpha += torch.sign(loss.grad).mul(torch.log(loss.grad.abs() + 1e-4))
            threshold = torch.kthvalue(log_alpha.flatten(), k).values
            w[log_alpha <= threshold] = 0
        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = w.reshape(w.shape[0], -1, m)              # [out, in/m, m]
            idx = torch.topk(groups, n, dim=-1, largest=False).indices
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
            w[mask.reshape(w.shape)] = 0

def harness(sparsity: float, calib: torch.LongTensor,
           *, pattern: str = "unstructured", device: str = "cpu",
           layers=None) -> None:
    pass
