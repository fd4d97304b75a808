# prunegen candidate: machine-written, not reviewed by a person.
# idea: variational-dropout (Variational-dropout pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 1
# prompt: template repair (round 3), sha256 fbb1d2b4fe29c7a898866ca4d2ffe2df6ecb37dad4afb2bfbe2ae453c9190269
# date: 2026-12-03T11:18:38Z
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
