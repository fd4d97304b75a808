# prunegen candidate: machine-written, not reviewed by a person.
# idea: structured (Structured pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 0
# prompt: template repair (round 3), sha256 38c504fa9bd20085379e1f59877ad95513b80acd64de1a7e955582e1d84d6689
# date: 2026-12-03T00:28:55Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity: float, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]

        # Check if any part of the weight matrix is chosen
        structure_importance_score = calculate_structure_importance_score(w)
        if structure_importance_score < sparsity:
            continue

        # If not chosen, zero them out and keep the rest dense in the kept structures
        mask = torch.zeros_like(w).scatter_(-1, w.numel() * sparsity, True)
        w[mask] = 0

    print("Pruning completed successfully.")
