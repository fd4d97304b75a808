# prunegen candidate: machine-written, not reviewed by a person.
# idea: k-means-clustering (K-means clustering pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 1
# prompt: template repair (round 1), sha256 636134159c19e0043fb8f0b8998905d85286d5aba70e1bf85a61e487dc76628e
# date: 2026-12-02T18:45:51Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch

def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]

        if pattern == "unstructured":
            # Compute feature statistics
            stats = torch.stack([w.abs().mean(dim=-1), w.abs().std(dim=-1)], dim=0)

            # Perform k-means clustering on features
            kmeans = torch.nn.KMeans(n_clusters=int(round(w.numel() * sparsity)), init='k-means++')
            cluster_ids = kmeans.fit_predict(stats).cpu()

        else:
            # Compute feature statistics for each group of M weights
            n, m = (int(x) for x in pattern.split(":"))
            groups = stats.reshape(w.shape[0], -1, m)              # [out, in/m, m]

            # Perform k-means clustering on each group
            kmeans = torch.nn.KMeans(n_clusters=int(round(groups.numel() * sparsity / m)), init='k-means++')
            cluster_ids = kmeans.fit_predict(groups).cpu()

        # Zero the weights in clusters closest to zero, or keep only the weights that best represent each cluster, until the requested sparsity is met
        if pattern == "unstructured":
            threshold = stats[0][cluster_ids < stats[1].argmin()]
            w[cluster_ids < stats[1].argmin()] = 0

        else:
            for i in range(m):
                group_stats = groups[:, :, i]
                threshold = group_stats[cluster_ids < group_stats.argmin(axis=0)[:, 0]].mean()
                w[groups[:, :, i] < threshold] = 0
