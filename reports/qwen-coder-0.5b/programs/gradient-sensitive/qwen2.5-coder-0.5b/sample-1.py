# prunegen candidate: machine-written, not reviewed by a person.
# idea: gradient-sensitive (Gradient-sensitive pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 1
# prompt: template user, sha256 d8f1882a3a3cdb09fb6f9e548cd65ec8853a323c7b0f4ca2bcba39bbee7a6873
# date: 2026-12-02T18:55:32Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

from torch import nn, require_grad

def prune(model, sparsity: float, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                        # [out_features, in_features]
        mask = (w > 0).int()                       # [out_features, in_features]

        if sparsity < mask.sum():                      # If no weights are changed
            return None

        calib_size = calib.size(1)                    # Number of calibration sequences
        w_abs = torch.abs(w)
        w_diff = torch.diff(calib, dim=0).reshape(-1, calib_size)

        if pattern == "unstructured":                   # Unstructured pattern: find all zeros
            n = int(round(w.numel() * sparsity))
            threshold = torch.kthvalue(w_diff.flatten(), n).values
            w[w < threshold] = 0
        else:
            n, m = (int(x) for x in pattern.split(":"))
            groups = w.reshape(calib.shape[0], -1, m)
            idx = torch.topk(groups, n, dim=-1, largest=False).indices
            mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, idx, True)

            # Calculate the loss difference for each group of zeros
            w_diff_groups = torch.diff(w_diff, dim=0)                # [out, in/m, m]
            w_diff_groups[mask.reshape(-1, calib_size)] -= 0                  # Subtract zero from all groups

            # Remove weights whose removal is predicted to change the loss the least
            mask = (torch.abs(w_diff_groups) + torch.min(w_diff_groups)) > sparsity * mask.sum() 
            w[mask] = 0

        # Set gradients on the pruned layer, if they exist
        if hasattr(layer, "weight"):
            layer.weight.grad.data[mask] = 0
