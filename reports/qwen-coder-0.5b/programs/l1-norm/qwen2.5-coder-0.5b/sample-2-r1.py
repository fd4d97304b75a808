# prunegen candidate: machine-written, not reviewed by a person.
# idea: l1-norm (L1-norm pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 2
# prompt: template repair (round 1), sha256 a46455f866f77825df759423900788dd9b7b44a45e1c52d069de2059468f9659
# date: 2026-12-03T00:16:09Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity: float, calib, *, pattern="unstructured", device="cpu", layers=None):
    if model.config.hidden_size == 0:
        raise ValueError("Invalid hidden size. Model cannot be pruned.")

    # Create a list of groups from the hidden states
    groups = torch.tensor(model.config.hidden_states[:, :model.config.hidden_size], dtype=torch.float32)

    if pattern == "N:M":
        n, m = (int(x) for x in pattern.split(":"))

        # Calculate the L1 norm of each group
        l1_norms = torch.sum(torch.abs(groups), dim=1)

        # Find groups with the smallest L1 norm
        min_l1_norm_idx = torch.argmin(l1_norms, dim=0)
        min_l1_norm_group = groups[min_l1_norm_idx]

        # Remove those groups from the model
        for i in min_l1_norm_idx:
            # Remove the corresponding group of weights
            del model.layers[i]

    else:
        raise ValueError("Invalid pattern. Only N:M or unstructured patterns are supported.")
