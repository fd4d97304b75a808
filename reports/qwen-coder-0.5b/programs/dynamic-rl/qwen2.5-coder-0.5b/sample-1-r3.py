# prunegen candidate: machine-written, not reviewed by a person.
# idea: dynamic-rl (Dynamic pruning with reinforcement learning)
# model: qwen2.5-coder-0.5b (provider local), sample 1
# prompt: template repair (round 3), sha256 6ca17c24dfdc81da3ca2791c896c979fc8a7bdc0fcc06f6d678ade453b15b66d
# date: 2026-12-03T00:32:32Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]

        if pattern == "unstructured":
            k = int(round(w.numel() * sparsity))
            if k == 0:
                continue
            threshold = torch.kthvalue(score.flatten(), k).values
            w[score <= threshold] = 0
        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = score.reshape(w.shape[0], -1, m)              # [out, in/m, m]
            idx = torch.topk(groups, n, dim=-1, largest=False).indices
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
            w[mask.reshape(w.shape)] = 0

        # Apply the best per-layer allocation with a weight-level criterion inside each layer
        weight_level_criterion = layer.model.parameters()
        for name in layers:
            if name == name:
                continue
            if name not in weight_level_criterion.name:
                continue

            # Calculate the loss on a calibration batch after pruning
            loss = calib[calib > 0].mean()

            # Perform reinforcement learning with bandit or evolutionary search to improve per-layer allocation
            alpha = 1.0
            for _ in range(20):
                action = layer.weight.data.abs().sort()[alpha-1]
                layer.weight.data[action] = -loss
