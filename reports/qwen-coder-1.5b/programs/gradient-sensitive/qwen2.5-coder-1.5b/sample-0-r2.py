# prunegen candidate: machine-written, not reviewed by a person.
# idea: gradient-sensitive (Gradient-sensitive pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 0
# prompt: template repair (round 2), sha256 8061b8e631b20f20feb7d6acd0206520562abe5809c9c398af883727dadf005e
# date: 2026-12-03T10:42:16Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]

        if sparsity == 0:
            continue

        # Compute the loss using gradient-based sensitivity
        def gradient_sensitivity(layer):
            with torch.no_grad():
                x = calib[0:1].to(device)                             # [1, seqlen] token ids
                out = model(x, labels=x)
                out.loss.backward() # now layer.weight.grad is dL/dW

            # Compute the change in loss due to setting the weight to zero
            score = w.abs()
            threshold = torch.kthvalue(score.flatten(), int(round(w.numel() * sparsity))).values
            grad_diff = torch.dot(layer.weight.grad, w)  # dL/dw * |W|
            loss_change = -grad_diff / (w * score)

            return loss_change

        # Identify the weights that would change the loss least
        min_loss_change = float("inf")
        best_indices = None
        for idx in range(w.numel()):
            if w[idx] == 0:
                continue
            weight_copy = w.clone()
            weight_copy[idx] = 0
            layer.weight.data = weight_copy
            loss = gradient_sensitivity(layer)
            if loss < min_loss_change:
                min_loss_change = loss
                best_indices = [idx]

        # Remove the weights that change the loss least
        if best_indices is not None:
            w.view(-1)[best_indices] = 0

        layer.weight.data = w
