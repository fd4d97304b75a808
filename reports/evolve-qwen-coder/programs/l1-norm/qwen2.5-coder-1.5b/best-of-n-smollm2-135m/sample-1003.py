# prunegen candidate: machine-written, not reviewed by a person.
# idea: l1-norm (L1-norm pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 1003
# prompt: template user, sha256 029b2f2abb46f6ed81379f9ceb4075331cd86eaef19efdc70bfae9257f35071e
# date: 2026-12-07T16:39:03Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity: float, calib, *, pattern="unstructured", device="cpu", layers=None):
    if layers is None:
        layers = {f"model.layers.{i}": model.model.layers[i] for i in range(len(model.model.layers))}

    # Normalize each group of N elements by the sum of absolute values
    def normalize_group(group):
        return group / torch.abs(group).sum(dim=0, keepdim=True)

    if pattern == "unstructured":
        for name, layer in layers.items():
            w = layer.weight.data
            norm = torch.norm(w.view(-1), dim=-1)                 # [in_features]
            normalized_w = normalize_group(w).view(w.shape)          # [out_features, in_features]
            mask = (normalized_w != 0.0).float()
            w[mask] = 0
    else:
        n, m = (int(x) for x in pattern.split(":"))
        groups = {name: layer.weight.data.reshape(w.shape[0], -1, m)              # [out, in/m, m]
                  for name, layer in layers.items()}

        def normalize_group(group):
            return group / torch.abs(group).sum(dim=-1, keepdim=True)

        for name, group in groups.items():
            normalized_group = normalize_group(group)
            score = torch.norm(normalized_group.view(-1), dim=-1) # [in_features*m]
            if pattern == "N:M":
                k = int(round(score.shape[0] * sparsity))
                if k == 0:
                    continue
                idx = torch.topk(score.flatten(), k, largest=False).indices
                mask = torch.zeros_like(normalized_group, dtype=torch.bool).scatter_(-1, idx, True)
                w[mask.reshape(w.shape)] = 0

# Example usage (not part of the core idea)
if __name__ == "__main__":
    from transformers import LlamaForCausalLM
    model = LlamaForCausalLM.from_pretrained("llama-7b")

    calib = torch.randint(1, 4, (1024, 512))
    prune(model, 0.5, calib)

    # Check if the pruning algorithm works as expected
    for name, layer in model.named_parameters():
        assert w.abs().sum() >= sparsity * w.numel()
        assert torch.equal(w, layer.weight.data)
