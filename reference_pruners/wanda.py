"""Wanda (Sun et al., 2023): score |W_ij| * ||X_j||_2, compared within each output row.

X_j is the j-th input feature of the layer over all calibration tokens. Activations come from
forward passes through the blocks in order, each block seeing the outputs of the already-pruned
blocks before it, as in the authors' ``prune_wanda``.
"""

from __future__ import annotations

import torch

from harness.masks import select_mask

from reference_pruners.blockwise import blockwise

BATCH_SIZE = 8


def wanda_score(weight: torch.Tensor, input_sq_norm: torch.Tensor) -> torch.Tensor:
    """|W| * ||X||_2. weight: [out, in]; input_sq_norm: [in], sum over tokens of x_j^2. Returns [out, in]."""
    return weight.abs() * input_sq_norm.sqrt().to(weight.dtype)[None, :]


def accumulate_sq_norm(acc: torch.Tensor | None, x: torch.Tensor) -> torch.Tensor:
    """Add sum over tokens of x^2 per input feature; x: [..., in]. Kept in fp32 whatever x's dtype."""
    s = x.reshape(-1, x.shape[-1]).float().pow(2).sum(0)
    return s if acc is None else acc + s


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    def observe(norms, name, x):
        norms[name] = accumulate_sq_norm(norms.get(name), x)

    def prune_block(norms, block_layers):
        for name, layer in block_layers.items():
            w = layer.weight.data
            w[select_mask(wanda_score(w, norms[name]), sparsity, pattern, "row")] = 0

    blockwise(model, calib, device, begin=dict, observe=observe, prune_block=prune_block, batch_size=BATCH_SIZE)
