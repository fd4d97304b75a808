# prunegen candidate: machine-written, not reviewed by a person.
# idea: random (Random pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 2
# prompt: template repair (round 3), sha256 ca138cc68e5a48b3ac8124772ae702d77de636230aae97d86b1ef9c8edaae65c
# date: 2026-12-03T11:16:41Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch
from typing import List


def prune(model, sparsity: float, calib, *, pattern="unstructured", device="cpu", layers=None) -> None:
    if layers is None:
        layers = {name: layer for name, layer in model.named_modules() if isinstance(layer, torch.nn.Linear)}

    # Ensure the specified sparsity level is within acceptable bounds
    assert 0 <= sparsity < 1

    # Create a mask that indicates which weights should be pruned
    mask = torch.zeros(model.weight.shape, device=device)
    num_to_prune = int(round(sparsity * model.numel()))

    if pattern == "unstructured":
        # Choose random indices and set the corresponding weights to zero
        for _ in range(num_to_prune):
            idx = torch.randint(0, model.weight.size()[0], (1,))
            mask[idx] = True

    else:
        # Split the weight tensor into groups based on N:M pattern
        n, m = (int(x) for x in pattern.split(":"))

        if n < 1 or m < 1:
            raise ValueError("Pattern must be 'N:M' with positive integers N and M.")

        # Determine how many weights to prune per group
        num_per_group = int(round(n * model.weight.size()[0] / (m * model.numel())))

        for i in range(model.weight.size()[0]):
            if mask[i]:
                continue

            idx = torch.randint(i, min(i + m, model.weight.size()[0]), (1,))

            while mask[idx]:
                idx += 1

            mask[idx] = True

    # Apply the pruning mask
    model.weight.data[mask] = 0

# Example usage:
from transformers import LlamaForCausalLM

model = LlamaForCausalLM.from_pretrained("llama-7b")
calib = torch.randint(0, 3, (1024, 512))
prune(model, 0.9, calib)
