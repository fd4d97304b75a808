# prunegen candidate: machine-written, not reviewed by a person.
# idea: random-pattern (Random-pattern pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 1
# prompt: template repair (round 3), sha256 4fab50f097714d05e1e2fc6a6d690d0e6794d4b4f94b5b861adf06b4ec2f070f
# date: 2026-12-03T11:17:47Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch
from typing import *
from collections import *

def prune(model, sparsity: float, calib, *, pattern="unstructured", device="cpu", layers=None) -> None:
    if not layers:
        layers = {name: layer for name, layer in model.named_parameters() if isinstance(layer, torch.nn.Linear)}

    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]
        if pattern == "unstructured":
            k = int(round(w.numel() * sparsity))
            if k == 0:
                continue

            # Randomly choose a structure (e.g., block, row, column) for pruning
            if random.choice(["block", "row", "column"]) == "block":
                num_blocks = random.randint(1, w.shape[0])
                blocks = [random.sample(range(w.numel()), k) for _ in range(num_blocks)]
                mask = torch.zeros_like(w, dtype=torch.bool)
                for block in blocks:
                    mask[block] = True
            elif random.choice(["row", "column"]) == "row":
                num_rows = random.randint(1, w.shape[0])
                rows = [random.sample(range(w.numel()), k) for _ in range(num_rows)]
                mask = torch.zeros_like(w, dtype=torch.bool)
                for row in rows:
                    mask[row] = True
            else:
                num_cols = random.randint(1, w.shape[1])
                cols = [random.sample(range(w.numel()), k) for _ in range(num_cols)]
                mask = torch.zeros_like(w, dtype=torch.bool)
                for col in cols:
                    mask[col] = True

            # Set the chosen weights to zero
            w[mask.reshape(w.shape)] = 0
        elif pattern == "N:M":
            n, m = (int(x) for x in pattern.split(":"))
            groups = w.reshape(w.shape[0], -1, m)              # [out, in/m, m]

            if n * m > len(groups.flatten()):
                raise ValueError("Pattern size exceeds number of weights")

            # Randomly choose N indices from each group to set to zero
            indices = []
            for i in range(w.shape[0]):
                mask = torch.zeros_like(groups[i], dtype=torch.bool)
                indices.append(random.sample(range(groups[i].numel()), n))
                mask[indices[-1]] = True
            mask = torch.stack(indices, dim=0).reshape(groups.shape)
            w[mask.reshape(w.shape)] = 0
        else:
            raise ValueError("Invalid pattern")
