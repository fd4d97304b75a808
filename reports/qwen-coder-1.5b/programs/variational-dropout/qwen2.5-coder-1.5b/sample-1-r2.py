# prunegen candidate: machine-written, not reviewed by a person.
# idea: variational-dropout (Variational-dropout pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 1
# prompt: template repair (round 2), sha256 ccc4b26609c6f2584c6840eff27991389d726f47c231bf3e9f239cfb5dcbfea1
# date: 2026-12-03T10:51:54Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch
from typing import Tuple


def prune(model, sparsity: float, calib: torch.LongTensor,
          *, pattern="unstructured", device="cpu", layers=None) -> None:
    if layers is None:
        layers = {f"model.layers.{i}": layer for i, layer in enumerate(model.model.layers)}

    for name, layer in layers.items():
        w = layer.weight.data
        n, m = (int(x) for x in pattern.split(":"))

        # Estimate dropout rate per weight using calibration data
        alpha = torch.zeros_like(w)
        for i in range(calib.shape[0]):
            model(calib[i:i+1].to(device))
            loss = model(x, labels=x).loss
            alpha[i] = torch.log(loss) / (n * m)

        # Prune weights with the highest dropout rate
        top_k_indices = torch.topk(alpha.flatten(), int(round(w.numel() * sparsity)), largest=False).indices
        mask = torch.zeros_like(w, dtype=torch.bool).scatter_(-1, top_k_indices, True)
        w[mask.reshape(w.shape)] = 0
