# prunegen candidate: machine-written, not reviewed by a person.
# idea: elastic-weight-consolidation (Elastic weight consolidation pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 2
# prompt: template repair (round 3), sha256 f81975dc3077e0d776a861cc6cb2d9cb9ce80d5ccc391529795868b629eb896a
# date: 2026-12-03T11:21:06Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]

        if pattern == "unstructured":
            k = int(round(w.numel() * sparsity))
            if k == 0:
                continue
            fisher_info = torch.sum((w.grad**2).unsqueeze(-1) @ (w.grad**2).unsqueeze(0), dim=(0, 2))
            threshold = torch.kthvalue(fisher_info.flatten(), k).values
            w[sq_grads < threshold] = 0
        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = fisher_info.reshape(w.shape[0], -1, m)              # [out, in/m, m]
            idx = torch.topk(groups, n, dim=-1, largest=False).indices
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
            w[mask.reshape(w.shape)] = 0


# Example usage:
# from transformers import LlamaForCausalLM
# model = LlamaForCausalLM.from_pretrained("llama-7b")
# calib = torch.randint(0, 256, (1024, 512), dtype=torch.long).to("cpu")
# prune(model, sparsity=0.1, calib=calib)
