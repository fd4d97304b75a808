# prunegen candidate: machine-written, not reviewed by a person.
# idea: wanda-like (Weights-and-activations pruning (Wanda-like))
# model: qwen2.5-coder-1.5b (provider local), sample 1000
# prompt: template user, sha256 7658720d93821a84d2e752ebb2650ed56faf312a9faefead646bc73c0ea28f80
# date: 2026-12-07T16:53:52Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]
        sq_norms = {name: torch.zeros(layer.in_features, device=device) for name, layer in layers.items()}
        hooks = []

        def make_hook(name):
            nonlocal sq_norms
            def hook(module, inputs, output):
                a = inputs[0].detach().float().reshape(-1, inputs[0].shape[-1])   # [tokens, in_features]
                sq_norms[name] += (a * a).sum(dim=0)
            return hook

        for name, layer in layers.items():
            hooks.append(layer.register_forward_hook(make_hook(name)))

        with torch.no_grad():
            for i in range(calib.shape[0]):
                model(calib[i:i + 1].to(device))

        for h in hooks:
            h.remove()

        scores = []
        for name, layer in layers.items():
            score = w.abs() * sq_norms[name].sqrt()
            scores.append(score)

        if pattern == "unstructured":
            k = int(round(w.numel() * sparsity))
            if k == 0:
                continue
            threshold = torch.kthvalue(torch.cat(scores), k).values
            for name in layers.keys():
                mask = w > threshold
                w[mask] = 0

        else:
            n, m = (int(x) for x in pattern.split(":"))
            for name, layer in layers.items():
                groups = scores[name].reshape(w.shape[0], -1, m)              # [out, in/m, m]
                idx = torch.topk(groups, n, dim=-1, largest=False).indices
                mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
                w[mask.reshape(w.shape)] = 0

        model.zero_grad(set_to_none=True)                     # free the gradients before pruning
