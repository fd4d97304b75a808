# prunegen candidate: machine-written, not reviewed by a person.
# idea: k-means-clustering (K-means clustering pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 2
# prompt: template repair (round 2), sha256 03a6dd5486e6aae7fbd1754396ab5cc86ae46f740789a542945c06d41eba3590
# date: 2026-12-03T10:46:26Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch

def prune(model, sparsity: float, calib, *, pattern="unstructured", device="cpu", layers=None):
    if layers is None:
        layers = {name: layer for name, layer in model.named_parameters() if isinstance(layer, torch.nn.Linear)}

    for name, layer in layers.items():
        w = layer.weight.data                        # [out_features, in_features]

        if pattern == "unstructured":
            k = int(round(w.numel() * sparsity))
            if k > 0:
                # K-means clustering on the weights
                from sklearn.cluster import KMeans

                with torch.no_grad():
                    kmeans = KMeans(n_clusters=k, random_state=42).fit(w.cpu())
                    w.data = kmeans.cluster_centers_.to(device)
        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = w.reshape(-1, -1, m)              # [out, in/m, m]
            with torch.no_grad():
                kmeans = KMeans(n_clusters=n, random_state=42).fit(groups.cpu())
                clusters = kmeans.labels_.reshape(w.shape)
                w.data[clusters == 0] = 0

    for name, layer in layers.items():
        layer.weight.grad = None
