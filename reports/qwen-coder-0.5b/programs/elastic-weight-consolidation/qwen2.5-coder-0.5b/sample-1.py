# prunegen candidate: machine-written, not reviewed by a person.
# idea: elastic-weight-consolidation (Elastic weight consolidation pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 1
# prompt: template user, sha256 3fda8b5106e1d33fdca512f2b4cf8e22843995e58bd3d54f9424c44753b79165
# date: 2026-12-02T19:13:20Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: syntax-error: fenced block 1 of 1 (python); does not parse: line 1: invalid syntax

from torch import nn, nn.functional as F

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
