# prunegen candidate: machine-written, not reviewed by a person.
# idea: random (Random pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 1
# prompt: template repair (round 1), sha256 862ca92a1b46a3815e478715c18998e4e5242f5280bb9f4e69df1f6e71e5f92e
# date: 2026-12-03T00:17:24Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity: float, calib, *, pattern="unstructured", device="cpu",
          layers=None) -> None:
    # Choose weights to remove uniformly at random, independently of their values,
    # with a fixed seed so the result is reproducible.
    num_samples = int(calib.size[0] * sparsity)
    indices = torch.rand(num_samples, model.config.num_hidden_layers).long()
    mask = torch.zeros_like(indices, dtype=torch.bool)
    mask.scatter_(0, indices, True)

    # Set weights to zero
    for name, layer in layers.items():
        w = layer.weight.data
        if pattern == "unstructured":
            k = int(round(w.numel() * sparsity))
            if k == 0:
                continue
            threshold = torch.kthvalue(score.flatten(), k).values
            w[score <= threshold] = 0
        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = score.reshape(w.shape[0], -1, m)              # [out, in/m, m]
            idx = torch.topk(groups, n, dim=-1, largest=False).indices
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
            w[mask.reshape(w.shape)] = 0

# Example usage:
model = LlamaForCausalLM()
calib = torch.LongTensor([[128, 2048], [4, 8]])
prune(model, sparsity=0.5, calib=calib)
