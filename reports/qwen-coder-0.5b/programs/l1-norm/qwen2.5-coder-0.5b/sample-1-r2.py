# prunegen candidate: machine-written, not reviewed by a person.
# idea: l1-norm (L1-norm pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 1
# prompt: template repair (round 2), sha256 d3f0a5902b0905ce4c1a9f7074f98daa949e7c831547c086143f266f8ee7de12
# date: 2026-12-07T11:36:34Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        if not isinstance(layer.weight, torch.nn.Linear):
            continue

        # Extract L1 norm of the input weights
        norm = torch.sum(torch.abs(layer.weight))

        # Identify groups with the smallest L1 norm
        if pattern == "unstructured":
            groups = []
        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = torch.zeros((n, m), dtype=torch.bool)

            # Calculate the L1 norm of each group
            for i in range(n * m):
                group = layer.weight.data[i:i + m].abs()
                if group > norm:
                    groups[i] = True

        # Remove weights with the smallest L1 norm
        mask = torch.zeros_like(layer.weight, dtype=torch.bool)
        mask[groups] = False

        # Zero exactly k weights of the lowest score in one layer
        k = int(round(norm * sparsity))
        if k > 0:
            idx = torch.topk(mask.flatten(), k, largest=False).indices
            w.view(-1)[idx] = 0

        # Update the model's weight list
        for i, (name, layer) in enumerate(layers.items()):
            if isinstance(layer.weight, torch.nn.Linear):
                layer.weight.data[mask.reshape(w.shape)] = 0
