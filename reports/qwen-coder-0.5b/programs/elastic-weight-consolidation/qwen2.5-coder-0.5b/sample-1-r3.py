# prunegen candidate: machine-written, not reviewed by a person.
# idea: elastic-weight-consolidation (Elastic weight consolidation pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 1
# prompt: template repair (round 3), sha256 259b68d811a20e67c99950e19113312f52ecff6be6357efe51133ac3414d783c
# date: 2026-12-03T00:31:55Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

def prune(model, sparsity: float, calib: torch.LongTensor, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        if not isinstance(layer, nn.Linear):
            continue

        w = layer.weight.data                       # [out_features, in_features]

        score = F.kthvalue(torch.sum(w**2), 1).values  # estimated Fisher information
        if sparsity - 0.001 < score:
            mask = torch.zeros_like(w, dtype=torch.bool)
            w[mask.reshape(w.shape)] = 0

    return None
