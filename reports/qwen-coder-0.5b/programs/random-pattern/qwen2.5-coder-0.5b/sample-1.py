# prunegen candidate: machine-written, not reviewed by a person.
# idea: random-pattern (Random-pattern pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 1
# prompt: template user, sha256 b50ba12016f2e5504b762b86e1cddb53c7efb1c02ba67b4aec28a81d9869f202
# date: 2026-12-07T11:02:37Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        if pattern == "unstructured":
            k = int(round(w.numel() * sparsity))
            if k == 0:
                continue
            mask = torch.rand(k, w.shape[1]).bool()
            w[mask] = 0
        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = w.reshape(w.shape[0], -1, m)              # [out, in/m, m]
            idx = torch.topk(groups, n, dim=-1, largest=False).indices
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)
            w[mask.reshape(w.shape)] = 0
