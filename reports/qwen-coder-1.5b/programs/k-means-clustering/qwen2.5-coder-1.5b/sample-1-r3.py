# prunegen candidate: machine-written, not reviewed by a person.
# idea: k-means-clustering (K-means clustering pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 1
# prompt: template repair (round 3), sha256 10dd3d1226f355919c7f6cdc413d81a66ce6a6d5caefbeea7b1edf054d603335
# date: 2026-12-03T11:15:41Z
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

            # Calculate the feature statistics of the weights
            stats = torch.abs(w).mean(dim=1) + torch.abs(w).std(dim=1)

            # Perform k-means clustering on these statistics
            from sklearn.cluster import KMeans
            kmeans = KMeans(n_clusters=k, random_state=42)
            cluster_labels = kmeans.fit_predict(stats.unsqueeze(-1))

            # Set the weights in the clusters closest to zero to zero
            threshold = torch.kthvalue(w.flatten(), k).values
            mask = (w > 0) * (cluster_labels == 0) + (w < 0) * (cluster_labels != 0)
            w[mask.reshape(w.shape)] = 0

        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = w.reshape(w.shape[0], -1, m)              # [out, in/m, m]

            # Calculate the magnitude of each group
            magnitudes = torch.abs(groups).mean(dim=-1)

            # Perform k-means clustering on these magnitudes
            from sklearn.cluster import KMeans
            kmeans = KMeans(n_clusters=k, random_state=42)
            cluster_labels = kmeans.fit_predict(magnitudes.unsqueeze(-1))

            # Set the weights in the clusters closest to zero to zero
            threshold = torch.kthvalue(w.flatten(), k).values
            mask = (w > 0) * (cluster_labels == 0) + (w < 0) * (cluster_labels != 0)
            w[mask.reshape(w.shape)] = 0
