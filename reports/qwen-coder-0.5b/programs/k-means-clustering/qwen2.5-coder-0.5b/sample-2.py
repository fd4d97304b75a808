# prunegen candidate: machine-written, not reviewed by a person.
# idea: k-means-clustering (K-means clustering pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 2
# prompt: template user, sha256 325185071cef3444f0a073fc647b69ebc3fda4da6b90f9674d7f6c2284c76868
# date: 2026-12-02T19:04:26Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch

def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    if not layers:
        raise ValueError("layers must be provided.")

    # Define the number of clusters and centroids for each layer
    n_layers = len(layers)
    centroids = {}

    for i, layer in enumerate(layers.values()):
        weights = layer.weight.data  # [out_features, in_features]

        # Find the centroids based on the magnitude or activation statistics
        if pattern == "unstructured":
            k = int(round(weights.numel() * sparsity))
            if k == 0:
                continue
            threshold = torch.kthvalue(weights.flatten(), k).values
            centroids[i] = weights[weights <= threshold]
        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = weight.reshape(weights.shape[0], -1, m)              # [out, in/m, m]
            idx = torch.topk(groups, n, dim=-1, largest=False).indices
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
            centroids[i] = groups[mask.reshape(weights.shape)]

        if len(centroids) == 0:
            raise ValueError("no centroids found for layer")

    # Initialize the number of clusters and centroids
    num_clusters = len(centroids)
    centroid_weights = torch.zeros((num_clusters, weights.size()[1]))

    # Assign centroids to each layer
    for i in range(n_layers):
        centroid_index = centroids[i]
        for j, weight in enumerate(weight):
            centroid_weights[j][centroid_index] = weight

    # Sort the centroids by magnitude or activation statistics in descending order
    sorted_centroids = torch.sort(centroid_weights, dim=-1, stable=True)

    # Select clusters that best represent each layer and prune them
    for i, (weight, index) in enumerate(sorted_centroids):
        if weight > 0:  # Ensure weights are positive for simplicity
            mask = torch.where(weight == weight)[0]
            weights[mask] = 0
            centroids[i] = None  # Remove the centroid

    return model
