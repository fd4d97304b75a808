# prunegen candidate: machine-written, not reviewed by a person.
# idea: elastic-weight-consolidation (Elastic weight consolidation pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 0
# prompt: template repair (round 2), sha256 dbf3f72b341ba8c4beeb287b136d0170ce9f28db6c448bd9665e7e52d8dbdd0b
# date: 2026-12-07T11:42:21Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                             # [out_features, in_features]

        if sparsity == 0:
            continue

        diag = torch.trace((torch.log(1 + w / calib).T * torch.log(1 + calib)).sum(-1))
        score = diag * (w - calib * w)

        for i in range(calib.shape[0]):
            model(calib[i:i + 1].to(device))

    # Zero exactly k weights of the lowest score in one layer (score: any tensor shaped like w).
    k = int(round(w.numel() * sparsity))
    if k > 0:
        idx = torch.topk(score.flatten(), k, largest=False).indices
        w.view(-1)[idx] = 0
