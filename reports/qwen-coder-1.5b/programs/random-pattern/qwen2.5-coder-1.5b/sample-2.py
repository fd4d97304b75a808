# prunegen candidate: machine-written, not reviewed by a person.
# idea: random-pattern (Random-pattern pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 2
# prompt: template user, sha256 b50ba12016f2e5504b762b86e1cddb53c7efb1c02ba67b4aec28a81d9869f202
# date: 2026-12-03T06:08:28Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]
        if pattern == "random":
            sparsity, pattern = 0.5 * (1 - torch.rand(1)), "unstructured"
        else:
            n, m = (int(x) for x in pattern.split(":"))

        if pattern == "unstructured" or "2:4" in pattern:
            k = int(round(w.numel() * sparsity))
            if k > 0:
                threshold = torch.kthvalue(w.flatten(), k).values
                w[score <= threshold] = 0

        elif "random_blocks" in pattern:
            num_blocks = max(1, round(w.size(0) * sparsity))
            for _ in range(num_blocks):
                idx = torch.randint(0, w.size(0), (w.size(0) // num_blocks,))
                w[idx] = 0
        elif "random_rows" in pattern:
            rows_to_prune = torch.randint(0, w.size(1), int(w.size(1) * sparsity))
            for row in rows_to_prune:
                w[:, row].zero_()
        elif "random_columns" in pattern:
            cols_to_prune = torch.randint(0, w.size(2), int(w.size(2) * sparsity))
            for col in cols_to_prune:
                w[:, :, col].zero_()
