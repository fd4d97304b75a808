# prunegen candidate: machine-written, not reviewed by a person.
# idea: gradient-sensitive (Gradient-sensitive pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 2
# prompt: template repair (round 2), sha256 dd3a90791583b167876f98096e4881c81ae2418be469625e70855e8539d123c2
# date: 2026-12-03T10:43:51Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    if layers is None:
        # Get all prunable layers.
        layers = {name: layer for name, layer in model.named_parameters() if isinstance(layer, torch.nn.Linear)}

    # Function to compute the change in loss when setting a weight to zero
    def compute_loss_change(w):
        grads = []
        with torch.no_grad():
            for i in range(calib.shape[0]):
                x = calib[i:i + 1].to(device)
                out = model(x, labels=x)
                out.loss.backward()
                grad = {name: layer.weight.grad.detach().clone() for name, layer in layers.items()}
                grads.append(grad)

        loss_changes = []
        for i in range(calib.shape[0]):
            loss_change = 0
            for j, w in enumerate(w):
                dL_dw = grads[i][f"model.layers.{j}.self_attn.q_proj"].data[w.item()]
                if abs(dL_dw) > 1e-6:
                    loss_change += w * dL_dw
            loss_changes.append(loss_change)

        return loss_changes

    # Sort the weights by their estimated change in loss when set to zero
    sorted_weights = sorted(layers.items(), key=lambda x: compute_loss_change(x[1].weight.data), reverse=True)

    # Remove the top (k) weights from each layer, where k is the target sparsity
    for name, layer in sorted_weights:
        w = layer.weight.data
        num_prunable_params = len(w)
        num_to_remove = int(num_prunable_params * sparsity - 1e-6)
        if num_to_remove > 0:
            w[:num_to_remove] = 0


# Example usage:
# model = LlamaForCausalLM.from_pretrained("gpt2")
# calib = get_calibration_data(model)
# prune(model, 0.5, calib)
