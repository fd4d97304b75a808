# prunegen candidate: machine-written, not reviewed by a person.
# idea: dynamic-rl (Dynamic pruning with reinforcement learning)
# model: qwen2.5-coder-1.5b (provider local), sample 0
# prompt: template repair (round 1), sha256 67b943530df0b31c2b54dfa6de351145dbfd2f1166d51c9c0b1051a5f0644bbf
# date: 2026-12-02T18:49:59Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch
from typing import List

def prune(model, sparsity: float, calib, *, pattern="unstructured", device="cpu", layers=None):
    if layers is None:
        layers = dict(model.named_parameters() if hasattr(model, 'named_parameters')
                        else model.state_dict())

    # Helper function to calculate the weight difference
    def weight_difference(name: str) -> List[float]:
        dense = torch.zeros_like(layers[name].data)
        sparse = layers[name].data.clone()
        sparse[mask] = 0

        dense.fill_(1.0e-32)  # Set small values to zero
        sparse.fill_(1.0e-32)

        return (dense - sparse).abs().flatten().cpu().numpy()

    # Helper function to calculate the reward from loss
    def calculate_reward(name: str, calib: torch.LongTensor) -> float:
        with torch.no_grad():
            outputs = model(calib)
        return outputs.loss.item()

    # Main pruning loop
    for name in layers.keys():
        if pattern == "unstructured":
            k = int(round(layers[name].numel() * sparsity))
            if k == 0:
                continue

            threshold = torch.kthvalue(weight_difference(name), k).values
            layers[name].data[sparse <= threshold] = 0
        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = weight_difference(name).reshape(layers[name].shape[0], -1, m)
            idx = torch.topk(groups, n, dim=-1, largest=False).indices
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)

            layers[name][mask.reshape(layers[name].shape)] = 0

    # Print results for verification
    print(f"Final weight distribution of {name}:")
    print(layers[name].data.cpu().numpy())
