# prunegen candidate: machine-written, not reviewed by a person.
# idea: dynamic-rl (Dynamic pruning with reinforcement learning)
# model: qwen2.5-coder-0.5b (provider local), sample 2
# prompt: template repair (round 1), sha256 8b46a245fae675ab1cc02ee2907a335f057a40b21b10677eeade3cffb3e5f94f
# date: 2026-12-03T00:19:45Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch

def prune(model, sparsity: float, calib, *, pattern="unstructured", device="cpu", layers=None):
    # Convert calibration batch into a tensor
    calib = calib.to(device)

    def update_sparsities(new_sparsity):
        for name, layer in layers.items():
            new_layer.weight.data.masked_fill_(new_sparsity > 0.0, 0)

    total_calib_loss = torch.tensor()

    # Initialize the best per-layer allocation
    best_weights = {}

    def train_agent():
        model.train()  # Enable gradients

        for epoch in range(10):
            for name, layer in layers.items():
                calib = calib.unsqueeze(-1)

                # Calculate loss on the calibration batch after pruning
                loss = torch.nn.functional.mse_loss(layer.weight.data.unsqueeze(-2), calib)

                total_calib_loss += loss

                # Update best per-layer allocation with a weight-level criterion
                new_sparsity = (loss / total_calib_loss).clamp(0, 1.0)
                update_sparsities(new_sparsity)

            model.eval()  # Disable gradients

        return best_weights

    best_weights = train_agent()

    return None
