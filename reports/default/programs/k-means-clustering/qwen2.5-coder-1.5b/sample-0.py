# prunegen candidate: machine-written, not reviewed by a person.
# idea: k-means-clustering (K-means clustering pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 0
# prompt: template user, sha256 774c9454d5b31ee7d73ed22f93b01c0f8e4478ea783514f9e65e74435181962b
# date: 2026-12-06T12:04:02Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch
from sklearn.cluster import KMeans

def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]

        if pattern == "unstructured":
            n_clusters = int(round(w.numel() * sparsity))
            kmeans = KMeans(n_clusters=n_clusters, random_state=0)
            cluster_assignments = kmeans.fit_predict(w.reshape(-1, w.shape[-1]))
            mask = torch.zeros_like(w, dtype=torch.bool).scatter_(1, cluster_assignments.view(-1, 1), True)
            layer.weight.data[mask] = 0
        else:
            n, m = (int(x) for x in pattern.split(":"))

            # Calculate features to cluster on based on magnitude and activation statistics
            if "magnitude" not in calib[0]:
                raise ValueError("Calibration must contain a column of magnitudes")

            magnitude_features = torch.sqrt(calib[:, 0].float().view(-1, 1))
            groups = magnitude_features.reshape(w.shape[0], -1, m)              # [out, in/m, m]

            kmeans = KMeans(n_clusters=n_clusters, random_state=0)
            cluster_assignments = kmeans.fit_predict(groups.reshape(-1, w.shape[-1]))
            mask = torch.zeros_like(w, dtype=torch.bool).scatter_(1, cluster_assignments.view(-1, 1), True)
            layer.weight.data[mask] = 0
