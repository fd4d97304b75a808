# prunegen candidate: machine-written, not reviewed by a person.
# idea: structured (Structured pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 2
# prompt: template user, sha256 0215089dc7ed9e06df5d9e8b2f7d686c5ea3b4a953c50ec31c0e21e56bbbd16e
# date: 2026-12-07T11:01:28Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]
        score = w.abs()                            # broadcasts [in_features] over the rows
        if pattern == "unstructured":
            k = int(round(w.numel() * sparsity))
            if k == 0:
                continue
            threshold = torch.kthvalue(score.flatten(), k).values
            for i in range(calib.shape[0]):
                model(calib[i:i + 1].to(device), labels=i)
        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = score.reshape(w.shape[0], -1, m)              # [out, in/m, m]
            idx = torch.topk(groups, n, dim=-1, largest=False).indices
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
            for i in range(calib.shape[0]):
                model(calib[i:i + 1].to(device), labels=i)

# Example usage: prune a dense layer using structured pruning
model = LlamaForCausalLM()
calib = torch.LongTensor([[1, 2], [3, 4]])
prune(model, sparsity=0.5, calib=calib)
