# prunegen candidate: machine-written, not reviewed by a person.
# idea: elastic-weight-consolidation (Elastic weight consolidation pruning)
# model: qwen2.5-coder-0.5b (provider local), sample 0
# prompt: template user, sha256 0d8e133396c32f6fd177d2ea266fd4ed421744b4dad91058bfd1074630dec2d4
# date: 2026-12-07T11:04:10Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                             # [out_features, in_features]

        if sparsity == 0:
            continue

        diag = torch.trace((torch.log(1 + w / calib).T * torch.log(1 + calib)).sum(-1))
        score = diag * (w - calib * w)

        for i in range(calib.shape[0]):
            model(calib[i:i + 1].to(device))

# Example usage:
model = LlamaForCausalLM.from_pretrained("facebook/paraparagraph")
calib = torch.LongTensor([[1, 2], [3, 4]])
layers = {"model.layers.0.self_attn.q_proj": torch.nn.Linear(64, 64),
         "model.layers.3.mlp.down_proj": torch.nn.Linear(128, 512)}
prune(model, sparsity=0.1, calib=calib, layers=layers)
