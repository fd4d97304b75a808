# prunegen candidate: machine-written, not reviewed by a person.
# idea: random (Random pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 1
# prompt: template user, sha256 4e02e9e7433f432f91a28b3c0865188c3becc09337daaf517d1c6f30c511e164
# date: 2026-12-02T19:09:46Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

def prune(model, sparsity: float, calib, *, pattern="unstructured", device="cpu",
          layers=None) -> None:
    # Choose weights to remove uniformly at random, independently of their values,
    # with a fixed seed so the result is reproducible.
    num_samples = int(calib.size[0] * sparsity)
    indices = torch.rand(num_samples, model.config.num_hidden_layers).long()
    mask = torch.zeros_like(indices, dtype=torch.bool)
    mask.scatter_(0, indices, True)

    # Set weights to zero
    for name, layer in layers.items():
        w = layer.weight.data
        w[mask.reshape(w.shape)] = 0

# Example usage:
model = LlamaForCausalLM()
calib = torch.LongTensor([[128, 2048], [4, 8]])
prune(model, sparsity=0.5, calib=calib)
