# prunegen candidate: machine-written, not reviewed by a person.
# idea: random-pattern (Random-pattern pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 1
# prompt: template repair (round 3), sha256 7c513476487ea8051e3e80f30cd6069471a976ed2cfc1d1c94d88db437cf1358
# date: 2026-12-03T00:30:26Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

def prune(model, sparsity: float, calib, *, pattern="unstructured", device="cpu", layers=None):
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

        # Zero at least the requested fraction of the prunable weights
        w[mask.reshape(w.shape)] = 0

        if sparsity < 0.001 or sparsity > 1.0:
            raise ValueError("Invalid sparsity. Must be between 0 and 1.")

    return None
