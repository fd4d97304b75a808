# prunegen candidate: machine-written, not reviewed by a person.
# idea: k-means-clustering (K-means clustering pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 0
# prompt: template repair (round 3), sha256 add9e07f3dfdbd4b437c239c82ef4bb91909464293c3499188cab7124626216d
# date: 2026-12-03T00:29:28Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch

def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    if layers is None:
        layers = {}

    # Get the features and activations of each layer
    for name, layer in layers.items():
        features = layer.weight.data  # [out_features, in_features]
        activations = model(calib[i:i+1].to(device)).loss

    n, m = (int(x) for x in pattern.split(":"))

    # Cluster the features and activations
    clusters = kmeans(features, m)

    # Create a mask to track which weights are pruned based on their cluster
    mask = torch.zeros_like(activations, dtype=torch.bool)
    for i in range(n):
        cluster_index = torch.argmin(clusters[i])
        mask[activations == clusters[i][cluster_index]] = True

    # Prune the weights within each cluster
    for i in range(n):
        if not mask[i]:
            continue
        prune_weights(model, sparsity, calib, layers=layer)
