# prunegen candidate: machine-written, not reviewed by a person.
# idea: dynamic-rl (Dynamic pruning with reinforcement learning)
# model: qwen2.5-coder-0.5b (provider local), sample 1
# prompt: template user, sha256 cc62544dd40b07e5d017beb2053ecbf3d9e14a90ff03e89c677c409b76874c0d
# date: 2026-12-02T19:13:47Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        # Calculate the loss on a calibration batch after pruning
        loss = calib[calib > 0].mean()

        # Perform reinforcement learning with bandit or evolutionary search to improve per-layer allocation
        alpha = 1.0
        for _ in range(20):
            action = layer.weight.data.abs().sort()[alpha-1]
            layer.weight.data[action] = 0

        # Apply the best per-layer allocation with a weight-level criterion inside each layer
        weight_level_criterion = layer.model.parameters()
        weight_level_criterion[weight_level_criterion.name == name].data[action] = -loss
