# prunegen candidate: machine-written, not reviewed by a person.
# idea: random-pattern (Random-pattern pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 1
# prompt: template user, sha256 d941854e51d4caf425ac9b58a9fd51dd73e7f8d8c3fc870e17dabc075eeca98d
# date: 2026-12-02T19:11:26Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python); defines no prune()

from torch import nn

def random_pattern_prune(model, sparsity: float, calib, *, pattern="unstructured", device="cpu", layers=None):
    if not isinstance(pattern, str) or pattern not in ["N:M", "2:4"]:
        raise ValueError("Invalid pattern. Must be 'N:M' or '2:4'.")

    n, m = map(int, pattern.split(":"))

    # Sample random rows or columns for each layer
    row_samples = torch.randint(0, n, size=(layers, m))
    col_samples = torch.randint(0, m, size=(layers, n))

    # Apply the same pattern to each layer
    for name, layer in layers.items():
        w = layer.weight.data.flatten()
        if pattern == "N:M":
            mask = row_samples[:, :m] * col_samples[:, :m]
        else:
            mask = torch.ones_like(w).scatter_(0, [row_samples], True)
        w[mask.reshape(w.shape)] = 0
