# prunegen candidate: machine-written, not reviewed by a person.
# idea: l1-norm (L1-norm pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 2
# prompt: template repair (round 2), sha256 d1be24ca1318c66ef089660de879c16c33cdc6377655966a9438686760f25d76
# date: 2026-12-03T00:22:43Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity: float, calib, *, pattern="unstructured", device="cpu", layers=None):
    if model.config.hidden_size == 0:
        raise ValueError("Invalid hidden size. Model cannot be pruned.")

    # Calculate the L1 norm of each group of weights
    l1_norms = torch.sum(torch.abs(model.layers[i].weight.data), dim=1)

    if pattern == "N:M":
        n, m = (int(x) for x in pattern.split(":"))

        # Find groups with the smallest L1 norm
        min_l1_norm_idx = torch.argmin(l1_norms, dim=0)
        min_l1_norm_group = model.layers[min_l1_norm_idx]

        # Remove those groups from the model
        for i in min_l1_norm_idx:
            del model.layers[i]

    else:
        raise ValueError("Invalid pattern. Only N:M or unstructured patterns are supported.")
