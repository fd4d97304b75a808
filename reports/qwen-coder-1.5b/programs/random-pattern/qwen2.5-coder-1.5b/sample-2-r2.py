# prunegen candidate: machine-written, not reviewed by a person.
# idea: random-pattern (Random-pattern pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 2
# prompt: template repair (round 2), sha256 5b1cf08af30f4ba9b332a0f59724d33cc3a5258df281798dccdbe1bc4d4cd601
# date: 2026-12-03T10:51:17Z
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

        if pattern == "unstructured" or pattern == "random_blocks" or pattern == "random_rows" or pattern == "random_columns":
            k = int(round(w.numel() * sparsity))
            if k > 0:
                threshold = torch.kthvalue(w.flatten(), k).values
                w[score <= threshold] = 0

        elif "n:m" in pattern:
            n, m = (int(x) for x in pattern.split(":"))

        else:
            raise ValueError("Invalid pattern: {}".format(pattern))
