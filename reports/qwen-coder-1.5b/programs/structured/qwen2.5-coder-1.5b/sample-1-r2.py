# prunegen candidate: machine-written, not reviewed by a person.
# idea: structured (Structured pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 1
# prompt: template repair (round 2), sha256 f9e44aca50bbf8c3b31e59f178729a93851d2a5740fc4248464d6511315f4e21
# date: 2026-12-03T10:44:58Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

from typing import *
import torch

def prune(model, sparsity: float, calib, *, pattern="unstructured", device="cpu", layers=None):
    if layers is None:
        layers = {name: layer for name, layer in model.named_modules()}

    def compute_structure_score(layer):
        # Implement the scoring logic here. This could involve analyzing the weights,
        # calculating activations, or other relevant metrics.
        # For this example, let's assume a simple score based on the magnitude of each weight.
        return torch.norm(layer.weight.data)

    for name, layer in layers.items():
        if pattern == "unstructured":
            # Compute the total number of weights and sparsity required
            total_weights = layer.weight.numel()
            num_weights_to_zero = int(total_weights * (1 - sparsity))

            # Randomly select weights to zero
            mask = torch.randint(0, 2, size=layer.weight.shape)
            w = layer.weight.data
            w[mask == 1] = 0

        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = layer.weight.reshape(layer.weight.shape[0], -1, m)              # [out, in/m, m]
            scores = compute_structure_score(groups)
            k = int(round(scores.numel() * sparsity))
            if k == 0:
                continue
            idx = torch.topk(scores.flatten(), k, dim=-1, largest=False).indices
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
            w[mask.reshape(w.shape)] = 0

        # Optionally, add a check to ensure the total number of zero weights is within the expected range.
        assert torch.count_nonzero(w) <= layer.weight.numel() * (1 - sparsity), f"Total zero weights exceed the requested sparsity"

    model.zero_grad(set_to_none=True)
