# prunegen candidate: machine-written, not reviewed by a person.
# idea: wanda-like (Weights-and-activations pruning (Wanda-like))
# model: qwen2.5-coder-1.5b (provider local), sample 1005
# prompt: template user, sha256 7658720d93821a84d2e752ebb2650ed56faf312a9faefead646bc73c0ea28f80
# date: 2026-12-07T16:56:07Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch

def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]
        scores = [] # [(i, j), score] pairs
        for i in range(calib.shape[0]):
            with torch.no_grad():
                x = calib[i:i + 1].to(device)         # [1, seqlen] token ids
                out = model(x, labels=x)
                for j in range(out.logits.shape[1]):   # logits are a batch of length 1
                    score = w[:, j].abs() * torch.norm(x.detach().float(), dim=0)  # |W_ij| * ||X_j||_2
                    scores.append((i, j, score))
        # Sort the scores in descending order and remove the lowest sparsity% weights per row
        sorted_scores = sorted(scores, key=lambda x: -x[2])
        for i, row in enumerate(sorted_scores):
            if i >= int(round(w.numel() * sparsity)):
                break
            w[row[0], :] = 0
