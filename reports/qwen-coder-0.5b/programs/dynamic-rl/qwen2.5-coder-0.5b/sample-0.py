# prunegen candidate: machine-written, not reviewed by a person.
# idea: dynamic-rl (Dynamic pruning with reinforcement learning)
# model: qwen2.5-coder-0.5b (provider local), sample 0
# prompt: template user, sha256 1964ca4c5a72b104f46a6896b85227c337687374e015b5355d09377a533ec82c
# date: 2026-12-07T11:04:29Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch

def prune(model, sparsity: float, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        # Calculate a reward based on the negative loss on calibration batch after pruning.
        loss = -calib[0][1:].to(device)
        if loss < 0.0:
            print(f"Layer {name} with sparsity {sparsity} is not pruned.")
            continue
        # Measure the reward of pruning each layer, including weights and bias.
        scores = [layer.weight.data.abs().sum() for name, layer in layers.items()]
        weights = torch.tensor(scores, dtype=torch.float32)

        # Find the best per-layer allocation with weight-level criterion.
        best_allocation = {}
        for i in range(len(layers)):
            current_score = scores[i]
            if current_score == 0:
                continue
            delta = (current_score - loss) / (sparsity - 0.001)
            new_weight = weights + delta * layer.weight.data
            best_allocation[name] = new_weight

        # Apply the best per-layer allocation.
        for name, new_weight in best_allocation.items():
            layer.weight.data.copy_(new_weight)
        print(f"Layer {name} with sparsity {sparsity} has been pruned.")
