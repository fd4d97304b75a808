# prunegen candidate: machine-written, not reviewed by a person.
# idea: random-pattern (Random-pattern pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 2
# prompt: template repair (round 3), sha256 1080254d2b1e78097454583df3d5f6c6922be9dd6ed97daf0c882366d8916364
# date: 2026-12-03T11:17:59Z
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

        if "n:m" not in pattern:
            raise ValueError("Invalid pattern: {}".format(pattern))
