# prunegen candidate: machine-written, not reviewed by a person.
# idea: gradient-based (Gradient-based pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 1
# prompt: template repair (round 3), sha256 9955dc0548206080b38dd51362c6e05335cf9bbcba58a0859223a966e946ca24
# date: 2026-12-03T00:31:32Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: syntax-error: fenced block 1 of 1 (python); does not parse: line 53: positional argument follows keyword argument

import torch


def prune(model: nn.Module, sparsity: float, calib: Tensor, *, pattern="unstructured", device="cpu", layers=None) -> None:
    if not layers or len(layers) == 0:
        return

    # Calculate the loss on the calibration data using gradients
    loss = model(calib.to(device))

    # Accumulate gradient magnitudes (Fisher-information estimate)
    for name, layer in layers.items():
        w = layer.weight.data
        if pattern == "unstructured":
            k = int(round(w.numel() * sparsity))
            if k == 0:
                continue
            threshold = torch.kthvalue(w.flatten(), k).values
            # Calculate gradient magnitudes (Fisher-information estimate)
            fisher_info = np.sum((w - threshold) ** 2) / (k + 1)
            loss += fisher_info
        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = w.reshape(w.shape[0], -1, m)              # [out, in/m, m]
            idx = torch.topk(groups, n, dim=-1, largest=False).indices
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
            loss -= fisher_info

    # Prune the weights that the loss is least sensitive to
    for name, layer in layers.items():
        w = layer.weight.data
        if pattern == "unstructured":
            k = int(round(w.numel() * sparsity))
            if k == 0:
                continue
            threshold = torch.kthvalue(w.flatten(), k).values
            # Calculate gradient magnitudes (Fisher-information estimate)
            fisher_info = np.sum((w - threshold) ** 2) / (k + 1)
            loss -= fisher_info
        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = w.reshape(w.shape[0], -1, m)              # [out, in/m, m]
            idx = torch.topk(groups, n, dim=-1, largest=False).indices
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
            loss -= fisher_info

    return

# Example usage
model = LlamaForCausalLM(num_layers=4)
calib = torch.LongTensor([[0.5, 0.3, 0.2], [0.9, 0.8, 0.7]])
layers = {'model.layers.0.self_attn.q_proj': nn.Linear(16, 16), 'model.layers.1.mlp.down_proj': nn.Linear(16, 32)}
prune(model, sparsity=0.5, calib, pattern="2:4", device="cuda")
