# prunegen candidate: machine-written, not reviewed by a person.
# idea: random (Random pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 0
# prompt: template user, sha256 3dfcc05ef9cb62470127f391bb23dd35363b8acf6542d1ba8a7a990ff087b174
# date: 2026-12-07T11:02:02Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                             # [out_features, in_features]

        # Convert the weight to a tensor of shape [1, seqlen], not [in_features, out_features]
        if model.config.hidden_size == 768:
            calib[0:1].to(device)                             # [1, seqlen] token ids
            calib = calib.to(device)
            calib = calib.to(device)
        else:
            calib[0:1].to(device)                             # [1, seqlen] token ids

        # Extract the weight tensor from the model
        weights = model.model.layers[name].weight.data
        w = weights.unsqueeze(-1).expand_as(w)

        # Calculate the absolute difference between the original and removed values
        abs_diff = torch.abs(w - calib[0:1])

        # Find the indices of the top k values in terms of magnitude
        k = int(round(abs_diff.sum(dim=1) * sparsity))
        if k == 0:
            continue

        # Calculate the threshold based on the magnitude difference
        threshold = torch.kthvalue(abs_diff.flatten(), k).values
        mask = torch.zeros_like(abs_diff, dtype=torch.bool).scatter_(-1, idx, True)

        # Remove the top k values
        w[mask.reshape(w.shape)] = 0

    return None


# Example usage:
# model = LlamaForCausalLM(config=..., model.layers=[...])
# prune(model, sparsity=0.5, calib=calib)
