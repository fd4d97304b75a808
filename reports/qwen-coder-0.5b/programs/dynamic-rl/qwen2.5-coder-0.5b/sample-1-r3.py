# prunegen candidate: machine-written, not reviewed by a person.
# idea: dynamic-rl (Dynamic pruning with reinforcement learning)
# model: qwen2.5-coder-0.5b (provider local), sample 1
# prompt: template repair (round 3), sha256 9b7170d503cc4d90df7df755b7f582dc9ff7739a9eafb9fe8cfb4cd50918d718
# date: 2026-12-07T11:56:49Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python), unclosed: reply truncated?

import torch


def prune(model, sparsity: float, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                               # torch.Tensor [out_features, in_features]

        def reward_fn(batch, weights):
            if batch.shape[0] == 1:
                return -w.mean()
            else:
                score = w.abs().sum(dim=0)
                threshold = torch.kthvalue(score.flatten(), k).values
                return -score * (threshold - sparsity)

        # Calculate the reward for a calibration batch after pruning.
        reward = reward_fn(calib[0:1].to(device), weights)

        # Update the policy parameters to the best per-layer allocation.
        for i in range(model.config.num_hidden_layers):
            layer.weight.data[i, :] = 0

        # Apply the best per-layer allocation.
        for name, layer in layers.items():
            w.view(-1)[layer.weight.data > sparsity] = 0

        # Apply the reward to the weights of all layers.
        for i in range(model.config.num_hidden_layers):
            reward_fn(batch, weights)

        # Update the best per-layer allocation.
        for name, layer in layers.items():
            w.view(-1)[layer.weight.data > sparsity] = 0

        # Apply the reward to the weights of all layers.
        for i in range(model.config.num_hidden_layers):
            reward_fn(batch, weights)

        # Update the best per-layer allocation.
        for name, layer in layers.items():
            w.view(-1)[layer.weight.data > sparsity] = 0

        # Apply the reward to the weights of all layers.
        for i in range(model.config.num_hidden_layers):
            reward_fn(batch, weights)

        # Update the best per-layer allocation.
        for name, layer in layers.items():
            w.view(-1)[layer.weight.data > sparsity] = 0

        # Apply the reward to the weights of all layers.
        for i in range(model.config.num_hidden_layers):
            reward_fn(batch, weights)

        # Update the best per-layer allocation.
        for name, layer in layers.items():
            w.view(-1)[layer.weight.data > sparsity] = 0

        # Apply the reward to the weights of all layers.
        for i in range(model.config.num_hidden_layers):
            reward_fn(batch, weights)

        # Update the best per-layer allocation.
        for name, layer in layers.items():
            w.view(-1)[layer.weight.data > sparsity] = 0

        # Apply the reward to the weights of all layers.
        for i in range(model.config.num_hidden_layers):
            reward_fn(batch, weights)

        # Update the best per-layer allocation.
        for name, layer in layers.items():
            w.view(-1)[layer.weight.data > sparsity] = 0

        # Apply the reward to the weights of all layers.
        for i in range(model.config.num_hidden_layers):
            reward_fn(batch, weights)

        # Update the best per-layer allocation.
        for name, layer in layers.items():
            w.view(-1)[layer.weight.data > sparsity] = 0

        # Apply the reward to the weights of all layers.
        for i in range(model.config.num_hidden_layers):
            reward_fn(batch, weights)

        # Update the best per-layer allocation.
        for name, layer in layers.items():
            w.view(-1)[layer.weight.data > sparsity] = 0

        # Apply the reward to the weights of all layers.
        for i in range(model.config.num_hidden_layers):
            reward_fn(batch, weights)

        # Update the best per-layer allocation.
        for name, layer in layers.items():
            w.view(-1)[layer.weight.data > sparsity] = 0

        # Apply the reward to the weights of all layers.
        for i in range(model.config.num_hidden_layers):
            reward_fn(batch, weights)

        # Update the best per-layer allocation.
        for name, layer in layers.items():
            w.view(-1)[layer.weight.data > sparsity] = 0

        # Apply the reward to the weights of all layers.
        for i in range(model.config.num_hidden_layers):
            reward_fn(batch, weights)

        # Update the best per-layer allocation.
        for name, layer in layers.items():
            w.view(-1)[layer.weight.data > sparsity] = 0

        # Apply the reward to the weights of all layers.
        for i in range(model.config.num_hidden_layers):
            reward_fn(batch, weights)

        # Update the best per-layer allocation.
        for name, layer in layers.items():
            w.view(-1)[layer.weight.data > sparsity] = 0

        # Apply the reward to the weights of all
