# prunegen candidate: machine-written, not reviewed by a person.
# idea: gradient-based (Gradient-based pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 0
# prompt: template user, sha256 8a96384b929116102c720fb9ecc4b47abf0729c8d7eda561da205b980cfb12d1
# date: 2026-12-06T12:06:00Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    if not layers:
        layers = {f"model.layers.{i}": layer for i, layer in enumerate(model.model.layers)}

    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]

        # Calculate squared gradients with a loss function
        loss_fn = torch.nn.CrossEntropyLoss()
        with torch.no_grad():
            calib_loss = loss_fn(calib[0], calib[0])
        grads = {name: layer.weight.grad.detach().clone() for name, layer in layers.items()}
        model.zero_grad(set_to_none=True)

        # Accumulate gradients squared
        sq_grads = {
            name: torch.zeros_like(grad.flatten()) for name, grad in grads.items()
        }
        def make_hook(name):
            def hook(module, inputs, output):
                a = inputs[0].detach().float().reshape(-1, inputs[0].shape[-1])   # [tokens, in_features]
                sq_grads[name] += (a * a).sum(dim=0)
            return hook
        handles = [layer.register_forward_hook(make_hook(name)) for name, layer in layers.items()]
        with torch.no_grad():
            for i in range(calib.shape[0]):
                model(calib[i:i + 1].to(device))
        for h in handles:
            h.remove()

        # Calculate gradient magnitudes
        grad_magnitudes = {name: torch.sqrt(sq_grads[name]) for name, sq_grads in sq_grads.items()}

        # Prune weights that the loss is least sensitive to
        k = int(round(w.numel() * sparsity))
        if k == 0:
            continue

        # Find weights that are the least sensitive to the loss
        idx = torch.topk(grad_magnitudes.values(), k, largest=False).indices
        w.view(-1)[idx] = 0
