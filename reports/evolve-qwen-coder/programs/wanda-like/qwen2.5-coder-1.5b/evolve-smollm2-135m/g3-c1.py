# prunegen candidate: machine-written, not reviewed by a person.
# idea: wanda-like (Weights-and-activations pruning (Wanda-like))
# model: qwen2.5-coder-1.5b (provider local), sample 5
# prompt: template evolve, sha256 d8a0404cc7b71de4bf5b9f07c4531a8236a510d4c37c5668156c521109b8bbc5
# date: 2026-12-07T16:53:25Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]

        sq_norms = {name: torch.zeros(layer.in_features, device=device) for name, layer in layers.items()}
        def make_hook(name):
            def hook(module, inputs, output):
                a = inputs[0].detach().float().reshape(-1, inputs[0].shape[-1])   # [tokens, in_features]
                sq_norms[name] += (a * a).sum(dim=0)
            return hook
        handles = [layer.register_forward_hook(make_hook(name)) for name, layer in layers.items()]
        with torch.no_grad():
            for i in range(calib.shape[0]):
                model(calib[i:i + 1].to(device))
        for h in handles:
            h.remove()

        score = w.abs() * sq_norms[name].sqrt()               # broadcasts [in_features] over the rows
        if pattern == "unstructured":
            k = int(round(w.numel() * sparsity))
            if k == 0:
                continue
            threshold = torch.kthvalue(score.flatten(), k).values
            w[score <= threshold] = 0

    for name, layer in layers.items():
        layer.weight.data[w != 0] = 1


# Example usage (not a real test, only to show the core idea)
from transformers import LlamaForCausalLM, LlamaTokenizer
import torch

tokenizer = LlamaTokenizer.from_pretrained("llama-7b")
model = LlamaForCausalLM.from_pretrained("llama-7b")

# Prepare calibration data (text from WikiText-2 for example)
calib_texts = [
    "The quick brown fox jumps over the lazy dog.",
    "A lazy dog barks at the moon."
]
calibs = tokenizer(calib_texts, return_tensors="pt", padding=True)

sparsity = 0.5
prune(model, sparsity, calibs)
