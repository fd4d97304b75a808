# prunegen candidate: machine-written, not reviewed by a person.
# idea: gradient-based (Gradient-based pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 0
# prompt: template user, sha256 4c631310205bb39ee4626f0daa99ed4ebbcd0f67b7dcc720e1173ad625fc4eb9
# date: 2026-12-02T17:59:48Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    if not layers:
        layers = harness.sparsity.prunable_layers(model)

    # Compute gradients on calibration data
    model.eval()
    with torch.no_grad():
        for i in range(0, len(calib), calib.shape[1]):
            batch_calib = calib[i:i + calib.shape[1]].to(device)
            output = model(batch_calib)  # compute loss

    # Compute gradients using a list comprehension
    grad_list = []
    for param_name, param in model.named_parameters():
        if param.grad is not None:
            grad_list.append(param.grad)

    # Flatten the gradients to get a single vector
    flat_grads = torch.cat([grad.flatten() for grad in grad_list])

    # Compute the magnitude of gradients
    grad_magnitude = torch.sqrt(flat_grads).sum()

    # Initialize pruning mask with all weights set to 0
    prune_mask = torch.zeros_like(model.weight.data)

    if pattern == "unstructured":
        # Prune based on gradient magnitude (frequent pruning)
        k = int(round(model.numel() * sparsity))
        if k > 0:
            threshold = grad_magnitude * sparsity
            prune_mask[grad_magnitude >= threshold] = 1

    else:
        # Prune based on N:M pattern
        n, m = (int(x) for x in pattern.split(":"))
        groups = model.weight.data.reshape(model.numel(), -1, m)
        grad_groups = flat_grads.reshape(len(grad_list), -1, m)

        # Compute the magnitude of each group's gradients
        grad_group_magnitudes = torch.sqrt(grad_groups).sum(-1)

        # Prune based on N:M pattern (less frequent pruning)
        for i in range(0, len(groups), m):
            mask = torch.topk(grad_group_magnitudes[i:i + m], n, dim=0, largest=False)[1]
            prune_mask[mask.reshape(groups.shape)] = 1

    # Apply the pruning mask
    model.weight.data[prune_mask] = 0

    return None
