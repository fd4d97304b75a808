# prunegen candidate: machine-written, not reviewed by a person.
# idea: gradient-based (Gradient-based pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 0
# prompt: template user, sha256 8a96384b929116102c720fb9ecc4b47abf0729c8d7eda561da205b980cfb12d1
# date: 2026-12-07T11:03:35Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                             # [out_features, in_features]

        if pattern == "unstructured":
            k = int(round(w.numel() * sparsity))
            if k == 0:
                continue
            threshold = torch.kthvalue(w.flatten(), k).values
            w[score <= threshold] = 0

        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = score.reshape(w.shape[0], -1, m)
            idx = torch.topk(groups, n, dim=-1, largest=False).indices
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
            w[mask.reshape(w.shape)] = 0

        calib_loss = calib[i:i + 1].to(device)                # [1, seqlen] token ids
        calib_loss.loss.backward() # now layer.weight.grad is dL/dW, same shape as w
        grads = {name: layer.weight.grad.detach().clone() for name, layer in layers.items()}
        model.zero_grad(set_to_none=True)                     # free the gradients before pruning

        loss_abs = torch.abs(w)
        if loss_abs > 0:
            k = int(round(loss_abs * sparsity))
            if k == 0:
                continue
            threshold = torch.kthvalue(loss_abs.flatten(), k).values
            w[score <= threshold] = 0

        calib_loss = calib[i:i + 1].to(device)                # [1, seqlen] token ids
        calib_loss.loss.backward() # now layer.weight.grad is dL/dW, same shape as w
        grads = {name: layer.weight.grad.detach().clone() for name, layer in layers.items()}
        model.zero_grad(set_to_none=True)                     # free the gradients before pruning

        if k > 0:
            idx = torch.topk(grads[name], k, largest=False).indices
            w.view(-1)[idx] = 0
