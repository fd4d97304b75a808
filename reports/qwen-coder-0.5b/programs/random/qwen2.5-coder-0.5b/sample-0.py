# prunegen candidate: machine-written, not reviewed by a person.
# idea: random (Random pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 0
# prompt: template user, sha256 4e02e9e7433f432f91a28b3c0865188c3becc09337daaf517d1c6f30c511e164
# date: 2026-12-02T19:07:16Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity: float, calib: torch.LongTensor, *, pattern="unstructured", device="cpu", layers=None):
    # Choose random weights to remove uniformly
    weights = calib[torch.randint(len(calib), size=(sparsity,))]

    for name, layer in model.named_parameters():
        if name != "weight" and isinstance(layer, torch.nn.Linear):  # Only handle weights and linear blocks
            w = layer.weight.data
            score = w.abs()

            if pattern == "unstructured":
                k = int(round(w.numel() * sparsity))
                if k == 0:
                    continue
                threshold = torch.kthvalue(score.flatten(), k).values
                w[score <= threshold] = 0
            else:
                n, m = (int(x) for x in pattern.split(":"))
                groups = score.reshape(w.shape[0], -1, m)

                idx = torch.topk(groups, n, dim=-1, largest=False).indices
                mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
                w[mask.reshape(w.shape)] = 0

    return None

# Example usage:
model = LlamaForCausalLM()
calib = torch.LongTensor([[1], [2], [3]])  # A simple calibration
prune(model, 0.5, calib, pattern="N:M")
