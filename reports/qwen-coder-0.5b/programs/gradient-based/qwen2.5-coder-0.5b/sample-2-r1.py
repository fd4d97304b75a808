# prunegen candidate: machine-written, not reviewed by a person.
# idea: gradient-based (Gradient-based pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 2
# prompt: template repair (round 1), sha256 57c45c5ae9b41b24ebae2a5790934cb0abf2b40b38ebeccaea8795e98399ac50
# date: 2026-12-03T00:18:44Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch

def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        if pattern == "unstructured":
            k = int(round(calib.numel() * sparsity))
            if k == 0:
                continue
            threshold = torch.kthvalue(layer.weight.data.flatten(), k).values
            layer.weight.data[score <= threshold] = 0
        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = layer.weight.reshape(calib.shape[0], -1, m)              # [out, in/m, m]
            idx = torch.topk(groups, n, dim=-1, largest=False).indices
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
            layer.weight[mask.reshape(layer.shape)] = 0

    return None

# Example usage:
model = LlamaForCausalLM.from_pretrained("facebook/llama-7b")
sparsity = 0.5
calib = torch.LongTensor([[1, 2], [3, 4]])
prune(model, sparsity, calib)
