# prunegen candidate: machine-written, not reviewed by a person.
# idea: gradient-sensitive (Gradient-sensitive pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 1
# prompt: template repair (round 1), sha256 54bb2baf2f80006dc3349184e9f8f24b723872c33b166208eedc32429b9e9107
# date: 2026-12-07T11:14:52Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

def prune(model, sparsity: float, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                             # [out_features, in_features]

        if pattern == "unstructured":
            k = int(round(w.numel() * sparsity))
            if k == 0:
                continue
            threshold = torch.kthvalue(w.flatten(), k).values
            w[score <= threshold] = 0
        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = score.reshape(w.shape[0], -1, m)              # [out, in/m, m]
            idx = torch.topk(groups, n, dim=-1, largest=False).indices
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
            w[mask.reshape(w.shape)] = 0

        return None


# Example usage:
model = LlamaForCausalLM()  # Example model instance
sparsity = 0.5             # Desired sparsity
calib = torch.LongTensor([...])  # Calibration data
layers = {"model.layers.0.self_attn.q_proj": ...}  # Prunable layers

prune(model, sparsity, calib, pattern="unstructured", device="cpu", layers=layers)
