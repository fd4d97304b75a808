# prunegen candidate: machine-written, not reviewed by a person.
# idea: gradient-based (Gradient-based pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 2
# prompt: template user, sha256 4c631310205bb39ee4626f0daa99ed4ebbcd0f67b7dcc720e1173ad625fc4eb9
# date: 2026-12-02T19:13:05Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch

def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        # Calculate gradient magnitude or squared gradients of the loss on the calibration data
        gradients = []
        for batch_idx, x in enumerate(calib):
            outputs = model(x.to(device))
            loss = outputs.loss  # Assuming output is a loss function

            # Calculate gradient magnitudes and squared gradients
            grad_abs = torch.abs(loss)
            if sparsity:
                grad_norms = torch.norm(grad_abs, dim=-1)
                grad_sqrnorms = torch.sum(grad_norms ** 2) / sparsity

            gradients.append(torch.stack((grad_abs, grad_sqrnorms)))

        # Sort by gradient magnitude in descending order
        gradients.sort(key=lambda x: -x[0])

        # Move weights that are least sensitive to the loss
        for _, (abs_grad, sqrnorm) in enumerate(gradients):
            if abs_grad < sparsity * 0.95:
                layer.weight.data[mask] = 0

    return None

# Example usage:
model = LlamaForCausalLM.from_pretrained("facebook/llama-7b")
sparsity = 0.5
calib = torch.LongTensor([[1, 2], [3, 4]])
prune(model, sparsity, calib)
