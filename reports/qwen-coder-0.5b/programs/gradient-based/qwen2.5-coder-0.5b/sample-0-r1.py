# prunegen candidate: machine-written, not reviewed by a person.
# idea: gradient-based (Gradient-based pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 0
# prompt: template repair (round 1), sha256 e174403d6f1f45410bbd6a9f79c83be74cf443efc68003aff6185957b88198fc
# date: 2026-12-07T11:20:20Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                             # [out_features, in_features]
        score_abs = torch.abs(w)
        if score_abs > 0:
            k = int(round(score_abs * sparsity))
            if k == 0:
                continue
            threshold = torch.kthvalue(score_abs.flatten(), k).values
            w[score <= threshold] = 0

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
