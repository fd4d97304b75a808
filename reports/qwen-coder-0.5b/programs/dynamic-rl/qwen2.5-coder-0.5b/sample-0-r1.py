# prunegen candidate: machine-written, not reviewed by a person.
# idea: dynamic-rl (Dynamic pruning with reinforcement learning)
# model: qwen2.5-coder-0.5b (provider local), sample 0
# prompt: template repair (round 1), sha256 20cfde9f3645c09b80b47ebb9dc733e79142c9691e13e0d68d326c6ed1f9f9a8
# date: 2026-12-07T11:21:42Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch

def prune(model, sparsity: float, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        if layer.weight.numel() == 0:
            print(f"Layer {name} with sparsity {sparsity} is not pruned.")
            continue
        # Set the requested fraction of weights to zero.
        layer.weight.data = torch.tensor([0] * layer.weight.numel(), dtype=torch.float32)
    return None

# Example usage:
# model = YourModel()
# prune(model, 0.5, calib=calib, pattern="unstructured", device=device)
