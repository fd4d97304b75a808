# prunegen candidate: machine-written, not reviewed by a person.
# idea: k-means-clustering (K-means clustering pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 0
# prompt: template repair (round 3), sha256 1be8eb2731ebfdad04934aa4b6b52bf0d9c360a34f7e2d1072cd320d456cc6c4
# date: 2026-12-03T11:15:16Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]

        if not hasattr(torch, 'kmeans'):
            from sklearn.cluster import KMeans
        kmeans = KMeans(n_clusters=int(w.shape[0] * sparsity), random_state=0)

        scores = torch.abs(w)
        clusters = kmeans.fit_predict(scores.flatten().cpu())

        mask = torch.zeros_like(w).scatter_(-1, clusters.reshape(-1, 1), True)
        layer.weight.data[mask.reshape(w.shape)] = 0
