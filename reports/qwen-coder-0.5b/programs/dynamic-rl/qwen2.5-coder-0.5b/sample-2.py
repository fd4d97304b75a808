# prunegen candidate: machine-written, not reviewed by a person.
# idea: dynamic-rl (Dynamic pruning with reinforcement learning)
# model: qwen2.5-coder-0.5b (provider local), sample 2
# prompt: template user, sha256 1964ca4c5a72b104f46a6896b85227c337687374e015b5355d09377a533ec82c
# date: 2026-12-07T11:05:09Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch

def prune(model, sparsity: float, calib, *, pattern="unstructured", device="cpu", layers=None):
    # Get the number of layers and the target sparsity
    n_layers = len(layers)
    target_sparsity = sparsity

    # Initialize weights in a new copy and apply bandit-like algorithm
    for i in range(n_layers):
        model_copy = model.clone()
        sparsity_adjusted = torch.clamp(model_copy.weight.data * (1 - target_sparsity), min=0).abs().sum()
        if sparsity_adjusted == 0:
            continue
        weight_level = model_copy.weight.data / sparsity_adjusted
        # Implement the bandit-like algorithm: epsilon-greedy policy
        epsilon = 1e-4
        actions = []
        for j in range(n_layers):
            actions.append(torch.random.choice([0, 1], p=weight_level))
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
            _, best_index = torch.topk(weights_to_prune, n_layers, largest=False).indices
            model_copy.weight.data[best_index] -= 1

    return None
