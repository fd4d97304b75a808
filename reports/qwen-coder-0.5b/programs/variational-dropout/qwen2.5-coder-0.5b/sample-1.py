# prunegen candidate: machine-written, not reviewed by a person.
# idea: variational-dropout (Variational-dropout pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 1
# prompt: template user, sha256 844f6fc2f8113f3ac67326c38b9551473ee41ea7c440cc2bcc0c6903b1c0d622
# date: 2026-12-07T11:03:17Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                             # torch.Tensor [out_features, in_features]
        log_alpha = calib[0] # float (log alpha)

        # Estimate dropout rate from calibration data
        drop_rate = torch.exp(log_alpha)
        if drop_rate == 0:
            continue

        # Prune weights whose dropout rate is highest
        for i in range(calib.shape[0]):
            model.calibrate(i, calib[i:i+1].to(device))
            out = model(x, labels=x).loss
            grads = {name: layer.weight.grad.detach().clone() for name, layer in layers.items()}
            model.zero_grad(set_to_none=True)                     # free the gradients before pruning

            score = w.abs()
            k = int(round(w.numel() * sparsity))
            if k > 0:
                idx = torch.topk(score.flatten(), k, largest=False).indices
                w.view(-1)[idx] = 0
