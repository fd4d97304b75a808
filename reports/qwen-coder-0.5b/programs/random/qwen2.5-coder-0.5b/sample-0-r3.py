# prunegen candidate: machine-written, not reviewed by a person.
# idea: random (Random pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 0
# prompt: template repair (round 3), sha256 7785fec5612f3edf46cb2387d18d2547d1226c3f9738359203338ecfe774ba6b
# date: 2026-12-07T11:52:01Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                             # [out_features, in_features]
        mask = torch.rand(w.shape).unsqueeze(-1)

        if calib[0:1].to(device) > sparsity * w.numel() and \
           torch.isfinite(w.numel()):
            w[mask.reshape(w.shape)] = 0

    return None


# Example usage:
# model = LlamaForCausalLM(config=..., model.layers=[...])
# prune(model, sparsity=0.5, calib=calib)
