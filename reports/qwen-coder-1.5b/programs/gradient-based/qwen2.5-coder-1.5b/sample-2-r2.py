# prunegen candidate: machine-written, not reviewed by a person.
# idea: gradient-based (Gradient-based pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 2
# prompt: template repair (round 2), sha256 faae5eeaf1a96aa6eb20a237ee35b89e03fd90a0664c88047f5414e18903869b
# date: 2026-12-03T10:53:15Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    if layers is None:
        # Get all prunable layers as a dictionary mapping names to Linear modules
        layers = {name: layer for name, layer in model.named_modules() if isinstance(layer, torch.nn.Linear)}

    # Initialize the weight importance matrix
    w_importance = torch.zeros_like(list(layers.values())[0].weight)

    # Calculate the gradient magnitudes of the loss on calib data
    with torch.no_grad():
        for i in range(calib.shape[0]):
            model(calib[i:i + 1].to(device))
            out = model(x, labels=x)
            out.loss.backward()
            grads = {name: layer.weight.grad.detach().clone() for name, layer in layers.items()}

    # Update the weight importance matrix based on gradient magnitudes
    w_importance += torch.mean(grads.values(), dim=0)

    # Prune weights according to the calculated importance matrix
    for name, layer in layers.items():
        w = layer.weight.data
        mask = w.abs() * w_importance > 0.01  # Adjust threshold as needed
        w[mask] = 0

        # Optionally: move weights away from zero (movement pruning)
        if sparsity < 1:
            zeros = torch.where(w == 0)[0]
            if len(zeros) > 0:
                direction = zeros.mean() - layer.weight.mean()
                layer.weight += direction * 0.1
