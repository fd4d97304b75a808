# prunegen candidate: machine-written, not reviewed by a person.
# idea: l1-norm (L1-norm pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 1
# prompt: template repair (round 1), sha256 e9c37ca33401c826a0f21427fae7073218d8d7da0a502d05a53d6df4ea9ab5ae
# date: 2026-12-03T00:16:00Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity: float, calib, *, pattern="unstructured", device="cpu", layers=None):
    # Extract the number of groups from the pattern
    if pattern == "N:M":
        n, m = map(int, pattern.split(":"))
    else:
        n, m = (int(x) for x in pattern.split(","))

    # Sort weights or groups by L1 norm
    sorted_weights = sorted(model.weight.data.flatten(), key=lambda x: torch.norm(x))

    # Remove those with the smallest norm
    updated_weights = [weight for weight in sorted_weights if torch.norm(weight) > sparsity * (n / m)]

    # Update the model with the updated weights, ensuring that only the exact zeros are removed while maintaining the rest of the weights unchanged.
    updated_model = model.clone()
    updated_model.weight.data[:n*m] = updated_weights

    return None
