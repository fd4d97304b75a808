# prunegen candidate: machine-written, not reviewed by a person.
# idea: l1-norm (L1-norm pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 1004
# prompt: template user, sha256 029b2f2abb46f6ed81379f9ceb4075331cd86eaef19efdc70bfae9257f35071e
# date: 2026-12-07T16:39:30Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    def make_hook(name):
        def hook(module, inputs, output):
            a = inputs[0].detach().float().reshape(-1, inputs[0].shape[-1])   # [tokens, in_features]
            sq_norms[name] += (a * a).sum(dim=0)
        return hook
    handles = [layer.register_forward_hook(make_hook(name)) for name, layer in layers.items()]
    with torch.no_grad():
        for i in range(calib.shape[0]):
            model(calib[i:i + 1].to(device))
    for h in handles:
        h.remove()

    # L1-norm pruning per layer
    sparsity = float(sparsity)
    if pattern == "unstructured":
        for name, layer in layers.items():
            w = layer.weight.data                       # [out_features, in_features]
            score = w.abs()
            k = int(round(w.numel() * sparsity))
            if k > 0:
                threshold = torch.kthvalue(score.flatten(), k).values
                w[score <= threshold] = 0
    else:
        n, m = (int(x) for x in pattern.split(":"))
        for name, layer in layers.items():
            w = layer.weight.data                       # [out_features, in/m]
            groups = score.reshape(w.shape[0], -1, m)              # [out, in/m, m]
            idx = torch.topk(groups, n, dim=-1, largest=False).indices
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
            w[mask.reshape(w.shape)] = 0
