# prunegen candidate: machine-written, not reviewed by a person.
# idea: dynamic-rl (Dynamic pruning with reinforcement learning)
# model: qwen2.5-coder-0.5b (provider local), sample 2
# prompt: template repair (round 2), sha256 2dc7791eafc4804ac7040660ed36bbbda4dba2bfcc12dadd03f51b097dd730d9
# date: 2026-12-07T11:43:58Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch

def prune(model, sparsity: float, calib, *, pattern="unstructured", device="cpu", layers=None):
    # Get the number of layers and the target sparsity
    n_layers = len(layers)

    # Initialize weights in a new copy and apply bandit-like algorithm
    for i in range(n_layers):
        model_copy = model.clone()
        weight_level = model_copy.weight.data / (1 - target_sparsity)

        if torch.random.uniform(0, 1) < epsilon:
            # Choose the next layer to prune
            next_layer_index = layers.index('model.layers.' + str(i + 1))
            model_copy = model_copy.copy()
            model_copy.weight.data /= weight_level ** 2
            del layers[next_layer_index]
        else:
            # Use the best per-layer allocation with a weight-level criterion
            model_copy = model_copy.copy()
            weights_to_prune = torch.where(model_copy.weight.data < target_sparsity, torch.ones_like(model_copy.weight.data), -1)
            weights_to_prune *= (1 - target_sparsity) ** 2

            # Update the mask of the best per-layer allocation
            _, best_index = torch.topk(weights_to_prune, n_layers, largest=False).indices
            model_copy.weight.data[best_index] -= 1

    return None
