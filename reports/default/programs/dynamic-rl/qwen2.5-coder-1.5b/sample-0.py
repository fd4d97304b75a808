# prunegen candidate: machine-written, not reviewed by a person.
# idea: dynamic-rl (Dynamic pruning with reinforcement learning)
# model: qwen2.5-coder-1.5b (provider local), sample 0
# prompt: template user, sha256 1964ca4c5a72b104f46a6896b85227c337687374e015b5355d09377a533ec82c
# date: 2026-12-06T12:06:55Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch
from typing import Dict

def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    if layers is None:
        layers = {}
        for name, layer in model.named_parameters():
            if "weight" in name and isinstance(layer, torch.nn.Linear):
                layers[name] = layer

    def compute_loss(model: torch.nn.Module, calib: torch.LongTensor) -> float:
        with torch.no_grad():
            out = model(calib[0:1].to(device), labels=calib[0:1])
            return out.loss.item()

    def evaluate_policy(policy: Dict[str, float]) -> float:
        total_loss = 0
        for name in policy:
            prunable_weights = layers[name].weight.data.clone()
            prunable_weights[policy[name]:] = 0
            model.load_state_dict({".".join(name.split(".")[:-1]): prunable_weights})
            total_loss += compute_loss(model, calib)
        return total_loss

    def update_policy(policy: Dict[str, float], reward: float, alpha=0.1) -> None:
        for name in policy:
            if policy[name] > 0:
                policy[name] *= (1 - alpha) + alpha * reward / compute_loss(model, calib)

    num_episodes = 200
    alpha = 0.1
    gamma = 0.9

    for _ in range(num_episodes):
        policy = {}
        total_reward = 0
        for name in layers:
            policy[name] = int(round(layers[name].weight.numel() * sparsity))

        for i in range(calib.shape[0]):
            model.load_state_dict({".".join(name.split(".")[:-1]): layers[name].weight.data})
            with torch.no_grad():
                out = model(calib[i:i + 1].to(device), labels=calib[i:i + 1])
            loss = out.loss.item()
            total_loss += loss
            policy[name] -= int(loss * gamma)

        for name in policy:
            update_policy(policy, -loss)

    best_sparsity = sparsity
    best_layers = layers.copy()

    for i in range(10):
        policy = {}
        total_reward = 0
        for name in layers:
            if "weight" in name and isinstance(layers[name], torch.nn.Linear):
                prunable_weights = layers[name].weight.data.clone()
                prunable_weights[policy[name]:] = 0
                model.load_state_dict({".".join(name.split(".")[:-1]): prunable_weights})
                with torch.no_grad():
                    out = model(calib[i:i + 1].to(device), labels=calib[i:i + 1])
                loss = out.loss.item()
                total_reward += loss
                policy[name] -= int(loss * gamma)

        for name in policy:
            update_policy(policy, -loss)

    best_sparsity = sparsity
    best_layers = layers.copy()

    for i in range(10):
        policy = {}
        total_reward = 0
        for name in layers:
            if "weight" in name and isinstance(layers[name], torch.nn.Linear):
                prunable_weights = layers[name].weight.data.clone()
                prunable_weights[policy[name]:] = 0
                model.load_state_dict({".".join(name.split(".")[:-1]): prunable_weights})
                with torch.no_grad():
                    out = model(calib[i:i + 1].to(device), labels=calib[i:i + 1])
                loss = out.loss.item()
                total_reward += loss
                policy[name] -= int(loss * gamma)

        for name in policy:
            update_policy(policy, -loss)

    best_sparsity = sparsity
    best_layers = layers.copy()

    print(f"Best sparsity: {best_sparsity}")
    print("Best layers:")
    for name, layer in best_layers.items():
        print(name)
