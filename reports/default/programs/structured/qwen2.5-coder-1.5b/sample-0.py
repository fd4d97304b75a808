# prunegen candidate: machine-written, not reviewed by a person.
# idea: structured (Structured pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 0
# prompt: template user, sha256 0215089dc7ed9e06df5d9e8b2f7d686c5ea3b4a953c50ec31c0e21e56bbbd16e
# date: 2026-12-06T12:03:18Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]

        if not hasattr(layer, "score"):
            # If the layer does not already have a score attribute, compute one
            if isinstance(w, torch.Tensor):
                out_features, in_features = w.shape
                sq_norms = torch.zeros(out_features, in_features, device=device)  # [out_features, in_features]
                for i in range(calib.shape[0]):
                    x = calib[i:i + 1].to(device)
                    with torch.no_grad():
                        out = model(x, labels=x)
                        out.loss.backward()
                        sq_norms += (w * w).sum(dim=0)  # broadcast [in_features] over the rows
                layer.score = sq_norms.sqrt().max(dim=-1)[0] / w.numel()

        if pattern == "unstructured":
            k = int(round(w.numel() * sparsity))
            if k == 0:
                continue

            # Choose the top-k largest scores for each row in the weight matrix
            topk_indices = torch.topk(layer.score.view(-1, layer.out_features), k, dim=0)[1]

            # Set all weights to zero that are not in the chosen topk indices
            mask = torch.zeros_like(w, dtype=torch.bool)
            mask.view(-1)[topk_indices] = True
            w[mask.reshape(w.shape)] = 0

        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = layer.weight.data.reshape(layer.out_features, -1, m)  # [out, in/m, m]
            mask = torch.topk(groups, n, dim=-1, largest=False).indices
            w[mask.reshape(w.shape)] = 0

        layer.score = None  # Clear the score to allow re-computation for other layers
