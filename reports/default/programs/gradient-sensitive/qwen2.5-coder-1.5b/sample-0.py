# prunegen candidate: machine-written, not reviewed by a person.
# idea: gradient-sensitive (Gradient-sensitive pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 0
# prompt: template user, sha256 d8f1882a3a3cdb09fb6f9e548cd65ec8853a323c7b0f4ca2bcba39bbee7a6873
# date: 2026-12-02T17:55:12Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    if layers is None:
        layers = {f"model.layers.{i}": model.model.layers[i] for i in range(model.config.num_hidden_layers)}

    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]
        if pattern == "unstructured":
            k = int(round(w.numel() * sparsity))
            if k == 0:
                continue
            score = w.abs()
            threshold = torch.kthvalue(score.flatten(), k).values
            w[score <= threshold] = 0
        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = score.reshape(w.shape[0], -1, m)              # [out, in/m, m]
            idx = torch.topk(groups, n, dim=-1, largest=False).indices
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
            w[mask.reshape(w.shape)] = 0

        # Estimate loss change due to setting weight to zero
        def loss_change(weight):
            with torch.no_grad():
                calib_no_grad = [c.clone() for c in calib]
                calib_zeroed = [c.clone() for c in calib]
                for i, c in enumerate(calib_no_grad):
                    c.zero_()
                    calib_zeroed[i][i] = 0
                calib_no_grad[0].zero_()

                loss_original = model(calib)[0].loss
                loss_zeroed = model(calib_zeroed)[0].loss

            return loss_zeroed - loss_original

        # Compute the expected change in loss when setting a weight to zero
        expected_change = 0
        for i, c in enumerate(calib):
            expected_change += loss_change(c)

        # Remove the weights whose removal is predicted to change the loss the least
        mask_to_remove = torch.abs(w) >= threshold * sparsity * (1 - 0.001)
        if mask_to_remove.sum() > k:
            w[mask_to_remove] = 0

        # Repeatedly remove weights that are predicted to change the loss the least
        for _ in range(k):
            threshold = torch.kthvalue(torch.abs(w), k).values
            mask_to_remove = torch.abs(w) >= threshold * sparsity * (1 - 0.001)
            if mask_to_remove.sum() > k:
                w[mask_to_remove] = 0
