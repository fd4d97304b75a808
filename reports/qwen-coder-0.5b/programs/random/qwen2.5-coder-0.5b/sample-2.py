# prunegen candidate: machine-written, not reviewed by a person.
# idea: random (Random pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 2
# prompt: template user, sha256 3dfcc05ef9cb62470127f391bb23dd35363b8acf6542d1ba8a7a990ff087b174
# date: 2026-12-07T11:02:24Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        # Calculate the current number of non-zero weights
        n = sum(1 for w in model.parameters() if w.requires_grad and not w.is_zero)

        # Get a fixed seed for reproducibility
        torch.manual_seed(int(sparsity) + int(torch.time.time()))

        # Randomly choose indices to remove
        removal_indices = torch.multinomial(n, size=len(calib), replace=False).tolist()

        # Apply the pruning
        mask = torch.zeros_like(model.parameters()).scatter_(-1, removal_indices, True)
        for name, layer in layers.items():
            if name not in mask:
                model[name].weight.data[mask.reshape(mask.size)] = 0

    return None
