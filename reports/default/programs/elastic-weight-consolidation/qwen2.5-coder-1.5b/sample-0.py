# prunegen candidate: machine-written, not reviewed by a person.
# idea: elastic-weight-consolidation (Elastic weight consolidation pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 0
# prompt: template user, sha256 3fda8b5106e1d33fdca512f2b4cf8e22843995e58bd3d54f9424c44753b79165
# date: 2026-12-02T18:00:22Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]
        if not isinstance(w, torch.nn.Parameter):
            raise ValueError("The weight should be a nn.Parameter")

        # Calculate squared gradients
        sq_grads = model(calib[i:i+1].to(device)).loss.grad.pow(2)

        # Compute the diagonal of Fisher information matrix
        fisher_diagonal = torch.zeros_like(w, dtype=torch.float32)
        for i in range(model.config.hidden_size):
            fisher_diagonal[i, i] = sq_grads[:, i].sum() / (model.config.hidden_size - 1)

        # Calculate the quadratic penalty for removing weights
        penalty = w.pow(2).sum()

        # Score each weight by Fisher information times squared weight and prune those whose removal is cheapest under this quadratic penalty
        fisher_weight_score = fisher_diagonal * w
        for i, score in enumerate(fisher_weight_score):
            if score < 0 or (score == 0 and penalty > sparsity * w.numel()):
                w[i].data = 0

        # Update the layer's weight with the pruned weights
        layer.weight.data = w
