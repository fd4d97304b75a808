# prunegen candidate: machine-written, not reviewed by a person.
# idea: wanda-like (Weights-and-activations pruning (Wanda-like))
# model: qwen2.5-coder-1.5b (provider local), sample 0
# prompt: template evolve, sha256 6243b72cfe8ee31fbe5bcd05e8b0afa64506c21ae0b0616132c7054ce487fabe
# date: 2026-12-07T16:42:29Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: syntax-error: fenced block 2 of 2 (python), unclosed: reply truncated?; does not parse: line 32: '(' was never closed

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]

        sq_norms = {name: torch.zeros(layer.in_features, device=device) for name, layer in layers.items()}
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

        score = w.abs() * sq_norms[name].sqrt()               # broadcasts [in_features] over the rows

        if pattern == "unstructured":
            k = int(round(w.numel() * sparsity))
            if k == 0:
                continue
            threshold = torch.kthvalue(score.flatten(), k).values
            w[score <= threshold] = 0

        # Fix: ensure weights are not zero or NaN
        for i in range(w.size(0)):
            for j in range(w
