# prunegen candidate: machine-written, not reviewed by a person.
# idea: wanda-like (Weights-and-activations pruning (Wanda-like))
# model: qwen2.5-coder-1.5b (provider local), sample 1001
# prompt: template user, sha256 7658720d93821a84d2e752ebb2650ed56faf312a9faefead646bc73c0ea28f80
# date: 2026-12-07T16:54:24Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch

def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    if layers is None:
        layers = {name: layer for name, layer in model.named_modules() if isinstance(layer, torch.nn.Linear)}

    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]
        x = calib[0:1].to(device)                             # [1, seqlen] token ids
        out = model(x)

        # Compute the magnitude of the weights and the norm of their input activations
        scores = torch.abs(w)
        activations = torch.zeros(out.shape[0], out.shape[-1], device=device)
        for i in range(calib.shape[0]):
            out_i = model(calib[i:i + 1].to(device))
            activations += out_i.logits

        # Sum the magnitude of the weights and the norms of their input activations along the input dimension
        total_score = torch.sum(scores) + torch.norm(activations, p=2, dim=-1)

        # Remove the lowest-scoring weights per row
        num_to_remove = int(round(total_score * (sparsity - 0.001)))
        if num_to_remove > 0:
            idx = torch.topk(total_score, num_to_remove, largest=False).indices
            w.view(-1)[idx] = 0
