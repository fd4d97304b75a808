# prunegen candidate: machine-written, not reviewed by a person.
# idea: l1-norm (L1-norm pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 2
# prompt: template repair (round 3), sha256 050c2211a11b012b531e865cda155c78becb9743aa961df90f9aa5dbf69dd6b7
# date: 2026-12-03T00:28:48Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity: float, calib, *, pattern="unstructured", device="cpu", layers=None):
    if model.config.hidden_size == 0:
        raise ValueError("Invalid hidden size. Model cannot be pruned.")

    # Calculate the L1 norm of each group of weights
    l1_norms = torch.sum(torch.abs(model.layers[i].weight.data), dim=1)

    # Sort groups by their L1 norm
    sorted_groups = torch.sort(l1_norms, descending=True)

    # Find groups with the requested fraction of the L1 norm
    if sparsity > 0.5:
        min_l1_norm_idx = int(round(sorted_groups.size(0) * sparsity))
        min_l1_norm_group = sorted_groups[min_l1_norm_idx]

        # Remove those groups from the model
        for i in min_l1_norm_idx:
            del model.layers[i]

    else:
        raise ValueError("Invalid pattern. Only N:M or unstructured patterns are supported.")
