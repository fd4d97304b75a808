# prunegen candidate: machine-written, not reviewed by a person.
# idea: elastic-weight-consolidation (Elastic weight consolidation pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 0
# prompt: template repair (round 2), sha256 6528611c52f4041d3e8db84472a98217656fcb1689920a003de18a1f3159fb2f
# date: 2026-12-03T10:53:27Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]

        # Estimate the Fisher information from squared gradients of the log-likelihood on calibration data
        fisher_info = 0.5 * calib ** 2 * layer.weight.grad ** 2 / (calib.shape[1] - 1)  # [batch, seqlen]
        fisher_info_sum = fisher_info.sum(dim=0)       # [in_features]

        # Score weights by Fisher information times squared weight and prune those whose removal is cheapest under this quadratic penalty
        k = int(round(w.numel() * sparsity))
        if k == 0:
            continue

        threshold = torch.topk(fisher_info_sum, k).values
        mask = fisher_info < threshold[0]  # Prune weights that have low Fisher information score

        w[mask] = 0
