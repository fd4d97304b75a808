# prunegen candidate: machine-written, not reviewed by a person.
# idea: l1-norm (L1-norm pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 2
# prompt: template user, sha256 f133231e0ff875ab65b5616351ca14fba197819750ae329b9272ce6f565f95fb
# date: 2026-12-02T18:58:41Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity: float, calib, *, pattern="unstructured", device="cpu", layers=None):
    if model.config.hidden_size == 0:
        # Handle the case where the hidden size is zero by setting all weights to zero.
        for name, layer in layers.items():
            w = layer.weight.data
            w.fill_(0)
        return None

    if pattern == "N:M":
        n, m = (int(x) for x in pattern.split(":"))
        groups = model.config.hidden_size * n * m  # Size of each group

        # Calculate the L1 norm of each group
        l1_norms = torch.sum(torch.abs(model.config.hidden_states[:, :groups]), dim=1)

        # Find groups with the smallest L1 norm
        min_l1_norm_idx = torch.argmin(l1_norms, dim=0)
        min_l1_norm_group = model.config.hidden_states[:, min_l1_norm_idx]

        # Remove those groups from the model
        for i in min_l1_norm_idx:
            # Remove the corresponding group of weights
            del model.layers[i]

    else:
        raise ValueError("Invalid pattern. Only N:M or unstructured patterns are supported.")
