# prunegen candidate: machine-written, not reviewed by a person.
# idea: random-pattern (Random-pattern pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 0
# prompt: template repair (round 2), sha256 6ca34e70f7a97571f95db0bf27064fc72357f81285bd42e67c2e928a6c3aaf30
# date: 2026-12-03T10:50:30Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]

        if sparsity == 0:
            continue

        # Randomly choose one of the supported patterns
        allowed_patterns = ["random", "blocks", "rows", "columns"]
        chosen_pattern = random.choice(allowed_patterns)

        if chosen_pattern == "random":
            num_non_zeroes = int(round(w.numel() * sparsity))
            mask = torch.zeros_like(w, dtype=torch.bool)
            while mask.sum().item() < num_non_zeroes:
                idx = torch.randint(w.size(), dtype=torch.long)
                mask[idx] = True
            w[mask] = 0
        elif chosen_pattern == "blocks":
            num_blocks_to_prune = int(round(w.numel() * sparsity / (w.shape[1] - 1)))
            for i in range(num_blocks_to_prune):
                block_start = torch.randint(0, w.size()[1] - 2, dtype=torch.long)
                block_end = block_start + w.shape[1] - 1
                mask = torch.ones_like(w, dtype=torch.bool)
                mask[block_start:block_end + 1] = False
                w[mask] = 0
        elif chosen_pattern == "rows":
            num_rows_to_prune = int(round(w.numel() * sparsity / (w.shape[0] - 1)))
            for i in range(num_rows_to_prune):
                row_start = torch.randint(0, w.size()[0] - 2, dtype=torch.long)
                row_end = row_start + w.shape[0] - 1
                mask = torch.ones_like(w, dtype=torch.bool)
                mask[row_start:row_end + 1, :] = False
                w[mask] = 0
        elif chosen_pattern == "columns":
            num_cols_to_prune = int(round(w.numel() * sparsity / (w.shape[1] - 1)))
            for i in range(num_cols_to_prune):
                col_start = torch.randint(0, w.size()[1] - 2, dtype=torch.long)
                col_end = col_start + w.shape[1] - 1
                mask = torch.ones_like(w, dtype=torch.bool)
                mask[:, col_start:col_end + 1] = False
                w[mask] = 0

        else:
            raise ValueError(f"Unsupported pattern: {chosen_pattern}")
