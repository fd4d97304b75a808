# prunegen candidate: machine-written, not reviewed by a person.
# idea: k-means-clustering (K-means clustering pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 0
# prompt: template user, sha256 774c9454d5b31ee7d73ed22f93b01c0f8e4478ea783514f9e65e74435181962b
# date: 2026-12-07T11:01:37Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                             # [out_features, in_features]

        # Initialize the centroids of each cluster.
        if not layers:
            centroids = torch.zeros(w.shape[0]).to(device)
        else:
            centroids = centroids.reshape(layers[-1].weight.shape)

        # Calculate the distance from each weight to each centroid.
        dists = w - centroids

        # Sort distances by magnitude in descending order and keep top k clusters.
        sorted_dists, cluster_indices = torch.sort(dists, dim=-1, descending=True)[:sparsity]

        # Choose the weights in these clusters.
        chosen_weights = torch.gather(w, 0, cluster_indices)
        chosen_weights.data[mask.reshape(mask).shape] = 0

        # Zero exactly k weights of the lowest score in one layer (score: any tensor shaped like w).
        score = chosen_weights.abs()
        k = int(round(score.numel() * sparsity))
        if k > 0:
            idx = torch.topk(score.flatten(), k, largest=False).indices
            chosen_weights.view(-1)[idx] = 0

    # Zero exactly k weights of the lowest score in one layer (score: any tensor shaped like w).
    score = chosen_weights.abs()
    k = int(round(score.numel() * sparsity))
    if k > 0:
        idx = torch.topk(score.flatten(), k, largest=False).indices
        chosen_weights.view(-1)[idx] = 0
