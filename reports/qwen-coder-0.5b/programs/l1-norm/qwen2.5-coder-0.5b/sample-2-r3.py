# prunegen candidate: machine-written, not reviewed by a person.
# idea: l1-norm (L1-norm pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 2
# prompt: template repair (round 3), sha256 9b627e0019dbc287086b8b2880eae3a2dfeb879d5d4f2b626e7b4a69e102b9d1
# date: 2026-12-07T11:50:08Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        if not isinstance(layer, torch.nn.Linear):
            raise TypeError("L1-norm pruning can only be applied to Linear models.")

        weights = layer.weight.data

        # Calculate L1 norm of the group
        norms = []
        for i, weight in enumerate(weights):
            norms.append(torch.norm(weight))

        # Sort groups by L1 norm, with the smallest being removed
        sorted_indices = torch.argsort(norms)
        sorted_groups = [weights[i] for i in sorted_indices]

        # Remove those weights that have the smallest norm
        if len(sorted_groups) > 0:
            mask = torch.zeros_like(weights, dtype=torch.bool).scatter_(-1, sorted_indices, True)
            w[mask.reshape(w.shape)] = 0

        # Set sparsity to the fraction of exact zeros over all prunable weights
        num_sparses = sum(torch.sum(abs(weight) <= 1e-6) for weight in weights)
        if num_sparses > 0:
            sparsity = float(num_sparses) / len(weights)
        else:
            sparsity = 0

        # Zero exactly k weights of the lowest score in one layer (score: any tensor shaped like w).
        k = int(round(w.numel() * sparsity))
        if k > 0:
            idx = torch.topk(score.flatten(), k, largest=False).indices
            w.view(-1)[idx] = 0
