# prunegen candidate: machine-written, not reviewed by a person.
# idea: structured (Structured pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 1
# prompt: template repair (round 3), sha256 4e5f3391090dd5ddc89fbf32604528bcc9b294df15417c9c4c2440f50d8c0f33
# date: 2026-12-03T00:29:07Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity: float, calib, *, pattern="unstructured", device="cpu", layers=None):
    # Initialize the importance score for each structure
    importance_scores = {}

    if pattern == "unstructured":
        k = int(round(calib.numel() * sparsity))
        if k == 0:
            return

        threshold = torch.kthvalue(calib.flatten(), k).values
        importance_scores = {name: score for name, score in zip(model.config.hidden_size, calib)}
    else:
        n, m = (int(x) for x in pattern.split(":"))
        groups = calib.reshape(model.config.hidden_size, -1, m)              # [out, in/m, m]
        idx = torch.topk(groups, n, dim=-1, largest=False).indices
        mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
        importance_scores = {name: score for name, score in zip(model.config.hidden_size, calib[idx])}

    # Remove the entire rows or columns of a weight matrix, i.e. output neurons, input channels
    for name, layer in layers.items():
        w = layer.weight.data
        if importance_scores[name] > 0:
            mask = mask & (w == importance_scores[name])
            w[mask] = 0

# Example usage and scoring
model = LlamaForCausalLM.from_pretrained("facebook/llama-7b")
sparsity = 0.5
calib = torch.LongTensor([[1, 2], [3, 4], [5, 6]])  # Output neurons
layers = {"model.layers.0.self_attn.q_proj": layer}
prune(model, sparsity, calib, layers)
print(prune.model.weight.data == torch.zeros_like(model.config.hidden_size))
