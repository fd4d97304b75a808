# prunegen candidate: machine-written, not reviewed by a person.
# idea: k-means-clustering (K-means clustering pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 0
# prompt: template repair (round 2), sha256 60817dc385d0c3ce0d7866c94dea38ef9f00deffbb2f1709061571c761842bf7
# date: 2026-12-03T10:45:38Z
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
