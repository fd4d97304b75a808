# prunegen candidate: machine-written, not reviewed by a person.
# idea: dynamic-rl (Dynamic pruning with reinforcement learning)
# model: qwen2.5-coder-1.5b (provider local), sample 1
# prompt: template repair (round 1), sha256 946a3fedc18846d587c41ac0be61103c1010b13a66e03323fc09afdb5040266e
# date: 2026-12-02T18:50:30Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

from typing import *
import torch

def prune(model, sparsity: float, calib, *, pattern="unstructured", device="cpu", layers=None):
    from collections import defaultdict

    if layers is None:
        layers = {name: layer for name, layer in model.named_parameters() if isinstance(layer, torch.nn.Linear)}

    class Agent:
        def __init__(self, layers, sparsity, calib, pattern):
            self.layers = layers
            self.sparsity = sparsity
            self.calib = calib
            self.pattern = pattern
            self.actions = defaultdict(lambda: 0)
            self.rewards = []

        def choose_action(self):
            return [self.actions[name] for name in sorted(self.layers)]

        def update(self, reward, actions):
            self.rewards.append(reward)
            self.actions = {name: max(0, action + random.gauss(0, 0.1)) for name, action in zip(self.layers, actions)}

    agent = Agent(layers, sparsity, calib, pattern)

    def evaluate(model, device="cpu"):
        with torch.no_grad():
            logits = model(calib[0][None].to(device)).logits
            return -logits.mean().item()

    episodes = 10
    for _ in range(episodes):
        actions = agent.choose_action()
        reward = evaluate(model)
        agent.update(reward, actions)

    # Apply best per-layer allocation with weight-level criterion inside each layer
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]
        score = w.abs()
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

    print("Pruning complete.")
