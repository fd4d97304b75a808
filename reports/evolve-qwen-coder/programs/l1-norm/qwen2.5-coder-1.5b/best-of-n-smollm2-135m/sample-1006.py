# prunegen candidate: machine-written, not reviewed by a person.
# idea: l1-norm (L1-norm pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 1006
# prompt: template user, sha256 029b2f2abb46f6ed81379f9ceb4075331cd86eaef19efdc70bfae9257f35071e
# date: 2026-12-07T16:40:24Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]
        score = w.abs()                             # [out_features]

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

# Check function to verify the correctness of the prune function
def check_pruning(model, sparsity, calib, pattern="unstructured", device="cpu"):
    original_weights = model.state_dict()["model.layers.0.self_attn.q_proj.weight"].clone()
    prune(model, sparsity, calib)
    changed_weight = model.state_dict()["model.layers.0.self_attn.q_proj.weight"]

    # Check if the weights have been pruned correctly
    for i in range(len(original_weights)):
        for j in range(len(original_weights[i])):
            if original_weights[i][j] != changed_weight[i][j]:
                return False

    # Check sparsity
    total_zeros = changed_weight.sum().item()
    total_prunable_weights = model.state_dict()["model.layers.0.self_attn.q_proj.weight"].numel()
    expected_sparsity = sparsity if pattern == "unstructured" else (n * m / total_prunable_weights)
    return total_zeros / total_prunable_weights >= expected_sparsity - 0.001

# Example usage
from transformers import LlamaForCausalLM, AutoTokenizer

model_name = "llama-7b"
tokenizer = AutoTokenizer.from_pretrained(model_name)
model = LlamaForCausalLM.from_pretrained(model_name)

text = "Hello, world!"
calib = tokenizer.encode_plus(text, return_tensors="pt").input_ids
sparsity = 0.1

if check_pruning(model, sparsity, calib):
    print("Pruning successful!")
else:
    print("Pruning failed.")
