# prunegen candidate: machine-written, not reviewed by a person.
# idea: k-means-clustering (K-means clustering pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 0
# prompt: template user, sha256 325185071cef3444f0a073fc647b69ebc3fda4da6b90f9674d7f6c2284c76868
# date: 2026-12-02T17:58:00Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch
from sklearn.cluster import KMeans

def prune(model, sparsity: float, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]

        # Normalize the weights by magnitude if required
        if pattern == "magnitude":
            normalized_w = w / (torch.norm(w, dim=1, keepdim=True) + 1e-6)

        else:
            raise ValueError("Unsupported pattern: {}".format(pattern))

        # Cluster the weights
        kmeans = KMeans(n_clusters=int(1 / sparsity), random_state=0).fit(normalized_w.reshape(-1, w.shape[0]))

        # Get the indices of the clusters with the highest weight
        mask = torch.zeros_like(w, dtype=torch.bool)
        for i in range(kmeans.n_clusters):
            cluster_indices = (kmeans.labels_ == i)
            if cluster_indices.sum() < int(1 / sparsity) * w.shape[0]:
                continue  # Not enough weights to keep the cluster
            mask[cluster_indices] = True

        # Apply the pruning
        layer.weight.data[mask] = 0

        # Check for convergence (optional)
        if not torch.all(torch.abs(layer.weight.data) == torch.zeros_like(layer.weight.data)):
            raise RuntimeError("Pruning did not converge")
