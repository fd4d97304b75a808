# prunegen candidate: machine-written, not reviewed by a person.
# idea: gradient-sensitive (Gradient-sensitive pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 0
# prompt: template user, sha256 7aa69f2de701429534e55733fd91321faa2420e6a8cb406fe258dc79ead4a5ae
# date: 2026-12-03T08:58:33Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    if not layers:
        layers = {f"model.layers.{i}": layer for i, layer in enumerate(model.model.layers)}

    def make_hook(name):
        def hook(module, inputs, output):
            a = inputs[0].detach().float().reshape(-1, inputs[0].shape[-1])   # [tokens, in_features]
            w = layer.weight.data
            grads = w.grad.detach().clone()

            loss_grads = []
            for grad in grads:
                if grad is not None:  # skip gradients for biases and embeddings
                    loss_grads.append(grad * a)

            loss_grad_norms = torch.norm(loss_grads, dim=0)
            loss_grad_avg = loss_grad_norms.mean()

            score = w.abs()
            threshold = loss_grad_avg

            if pattern == "unstructured":
                k = int(round(w.numel() * sparsity))
                if k == 0:
                    continue
                mask = torch.where(score > threshold, torch.zeros_like(score), torch.ones_like(score))
                layer.weight.data[mask] = 0
            else:
                n, m = (int(x) for x in pattern.split(":"))
                groups = score.reshape(w.shape[0], -1, m)              # [out, in/m, m]
                idx = torch.topk(groups, n, dim=-1, largest=False).indices
                mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
                layer.weight.data[mask.reshape(w.shape)] = 0

        return hook

    handles = [layer.register_forward_hook(make_hook(name)) for name, layer in layers.items()]
    with torch.no_grad():
        for i in range(calib.shape[0]):
            model(calib[i:i + 1].to(device))
    for h in handles:
        h.remove()
