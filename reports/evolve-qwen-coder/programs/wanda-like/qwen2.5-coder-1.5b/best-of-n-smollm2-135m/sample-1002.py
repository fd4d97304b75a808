# prunegen candidate: machine-written, not reviewed by a person.
# idea: wanda-like (Weights-and-activations pruning (Wanda-like))
# model: qwen2.5-coder-1.5b (provider local), sample 1002
# prompt: template user, sha256 7658720d93821a84d2e752ebb2650ed56faf312a9faefead646bc73c0ea28f80
# date: 2026-12-07T16:54:51Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch

def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]
        score = torch.zeros_like(w)

        # Forward hooks to compute input activation norms
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

        # Calculate scores per row
        rows = score.reshape(w.shape[0], -1, w.shape[1])
        for i in range(rows.shape[0]):
            row_scores = rows[i].sum(dim=1) * sq_norms[name][i]
            top_k_idx = torch.topk(row_scores, int(round(sparsity * w.numel() / row_scores.size(0))), largest=False).indices
            score[i, :top_k_idx] = 0

        # Set pruned weights to zero
        layer.weight.data[score == 0] = 0
