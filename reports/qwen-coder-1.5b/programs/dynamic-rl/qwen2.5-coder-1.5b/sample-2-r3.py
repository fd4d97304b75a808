# prunegen candidate: machine-written, not reviewed by a person.
# idea: dynamic-rl (Dynamic pruning with reinforcement learning)
# model: qwen2.5-coder-1.5b (provider local), sample 2
# prompt: template repair (round 3), sha256 cdbd0a1216792838ad7d7300bbc8962fb89a522024b977eded12aa46491ac4a4
# date: 2026-12-03T11:21:50Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch
import math
import numpy as np
import random
from typing import Dict, List

def prune(model, sparsity: float, calib: torch.LongTensor, *, pattern="unstructured", device="cpu", layers=None) -> None:
    # Initialize the action space with 1 for each layer (no pruning yet)
    actions = [0] * len(model.model.layers)

    # Set up a bandit algorithm
    epsilon = 0.1
    alpha = 0.25

    # Reward function: negative loss on the calibration batch after pruning
    def reward(layer, action):
        layer.weight.data[action] = 0
        with torch.no_grad():
            out = model(calib[0:1].to(device))
            return -out.loss.item()

    # Policy update function
    def policy_update():
        total_reward = 0.0
        for i in range(len(model.model.layers)):
            action = random.randint(0, len(actions) - 1) if np.random.rand() < epsilon else np.argmax(np.array([reward(model.model.layers[i], a) for a in actions]))
            total_reward += reward(model.model.layers[i], action)
            actions[i] = action
        return total_reward

    # Run the bandit algorithm for a few episodes
    for _ in range(10):
        policy_update()

    # Apply the best per-layer allocation with a weight-level criterion inside each layer
    for i, layer in enumerate(model.model.layers):
        w = layer.weight.data
        score = w.abs()
        k = int(round(w.numel() * sparsity))
        if k == 0:
            continue
        threshold = torch.kthvalue(score.flatten(), k).values
        mask = torch.zeros_like(w, dtype=torch.bool).scatter_(-1, torch.nonzero(mask), True)
        w[mask.reshape(w.shape)] = 0
