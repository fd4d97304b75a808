# prunegen candidate: machine-written, not reviewed by a person.
# idea: random (Random pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 0
# prompt: template repair (round 2), sha256 b15df151649c657b393077bc119832b373ab566ea2ed6e13d12caad00cb43cee
# date: 2026-12-07T11:39:24Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                             # [out_features, in_features]

        # Apply random pruning at least sparsity of the layer
        if calib[0:1].to(device) > sparsity * w.numel() and \
           torch.isfinite(w.numel()):
            mask = torch.rand(w.shape).unsqueeze(-1)
            w[mask.reshape(w.shape)] = 0

    return None


# Example usage:
# model = LlamaForCausalLM(config=..., model.layers=[...])
# prune(model, sparsity=0.5, calib=calib)
