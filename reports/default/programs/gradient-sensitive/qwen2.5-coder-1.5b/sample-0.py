# prunegen candidate: machine-written, not reviewed by a person.
# idea: gradient-sensitive (Gradient-sensitive pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 0
# prompt: template user, sha256 7aa69f2de701429534e55733fd91321faa2420e6a8cb406fe258dc79ead4a5ae
# date: 2026-12-06T12:01:30Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]

        # Gradient sensitivity estimation: compute the loss change due to setting each weight to zero.
        grads = {name: layer.weight.grad.detach().clone() for name, layer in layers.items()}
        model.zero_grad(set_to_none=True)                     # free the gradients before pruning
        loss = model(calib[0].to(device), labels=calib[0])     # initial loss
        for i in range(calib.shape[0]):
            with torch.no_grad():
                model(calib[i:i + 1].to(device))
            loss.backward()
            grads[name] += layer.weight.grad.detach().clone()   # update gradients

        # Predict the change in loss when setting each weight to zero.
        gradients = {name: w * grad for name, grad in grads.items()}
        losses = {name: torch.sum(gradients[name]) / w.shape[0] for name, w in layer.weight.data.items()}  # average gradient per row
        scores = {name: loss - losses[name] for name, loss in zip(layers.keys(), losses.values())}           # negative change in loss

        if pattern == "unstructured":
            k = int(round(w.numel() * sparsity))
            if k > 0:
                idx = torch.topk(scores, k, largest=False).indices
                w.view(-1)[idx] = 0
        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = scores.reshape(w.shape[0], -1, m)              # [out, in/m, m]
            idx = torch.topk(groups, n, dim=-1, largest=False).indices
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
            w[mask.reshape(w.shape)] = 0

    print(f"Sparsity: {sum(layer.weight.data.numel() for layer in layers) / len(layers):.4f}")
