# prunegen candidate: machine-written, not reviewed by a person.
# idea: gradient-sensitive (Gradient-sensitive pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 0
# prompt: template repair (round 1), sha256 8725b457516ec9eec29d24ef8e9d518555069cc7643c875eced81127dcf4d6ec
# date: 2026-12-02T18:36:52Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    if layers is None:
        layers = {f"model.layers.{i}": model.model.layers[i] for i in range(model.config.num_hidden_layers)}

    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]
        score = w.abs()
        threshold = torch.kthvalue(score.flatten(), k).values
        w[score <= threshold] = 0

        if pattern == "unstructured":
            k = int(round(w.numel() * sparsity))
            if k == 0:
                continue
            for i, c in enumerate(calib):
                model.zero_grad()
                loss_original = model(c)[0].loss
                grad_at_zero = model(c).grad.detach().cpu().numpy()[i]
                w[i] *= grad_at_zero / loss_original

        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = score.reshape(w.shape[0], -1, m)              # [out, in/m, m]
            idx = torch.topk(groups, n, dim=-1, largest=False).indices
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
            w[mask.reshape(w.shape)] = 0

        expected_change = 0
        for i, c in enumerate(calib):
            expected_change += loss_change(c)

        # Compute the expected change in loss when setting a weight to zero
        mask_to_remove = torch.abs(w) >= threshold * sparsity * (1 - 0.001)
        if mask_to_remove.sum() > k:
            w[mask_to_remove] = 0

        # Repeatedly remove weights that are predicted to change the loss the least
        for _ in range(k):
            threshold = torch.kthvalue(torch.abs(w), k).values
            mask_to_remove = torch.abs(w) >= threshold * sparsity * (1 - 0.001)
            if mask_to_remove.sum() > k:
                w[mask_to_remove] = 0
