# prunegen candidate: machine-written, not reviewed by a person.
# idea: dynamic-rl (Dynamic pruning with reinforcement learning)
# model: qwen2.5-coder-0.5b (provider local), sample 0
# prompt: template repair (round 1), sha256 faf0af85f2a48c4eb56f09013931595d4c4217de34d16c051ee92af7201d4f76
# date: 2026-12-03T00:19:25Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch

def prune(model, sparsity: float, calib: torch.LongTensor, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]

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

        loss = calib(idx.unsqueeze(1)).loss  # Loss on calibration batch after pruning

        # Weight-level criterion: maximize the negative loss on a calibration batch
        weight_level_loss = -torch.mean(loss) + sparsity * (w.abs().mean())

        # Apply best per-layer allocation with a weight-level criterion inside each layer
        if not torch.any(torch.isnan(w)):
            for i, name in enumerate(layer.named_parameters()):
                param = name.split(".")[1]
                if param != "self_attn.q_proj":
                    w.data[i] *= weight_level_loss / (sparsity - 0.001)

    # Return None after pruning
    return None
