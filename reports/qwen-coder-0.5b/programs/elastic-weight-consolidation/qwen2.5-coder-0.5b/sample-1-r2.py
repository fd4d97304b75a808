# prunegen candidate: machine-written, not reviewed by a person.
# idea: elastic-weight-consolidation (Elastic weight consolidation pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 1
# prompt: template repair (round 2), sha256 51a11169a35b21b5d849282b1a3a5a4b3c765e7a14d7890912e26ed8597cb76c
# date: 2026-12-03T00:25:35Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch

def prune(model, sparsity: float, calib: torch.LongTensor, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        if not isinstance(layer, nn.Linear):
            continue

        w = layer.weight.data                       # [out_features, in_features]

        score = F.kthvalue(torch.sum(w**2), 1).values  # estimated Fisher information
        if sparsity - 0.001 < score:
            mask = torch.zeros_like(w, dtype=torch.bool)
            w[mask.reshape(w.shape)] = 0

    return None
