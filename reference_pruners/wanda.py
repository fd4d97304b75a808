"""Wanda (Sun et al., 2023): score |W_ij| * ||X_j||_2, compared within each output row.

X_j is the j-th input feature of the layer over all calibration tokens. Activations come from
forward passes through the blocks in order, each block seeing the outputs of the already-pruned
blocks before it, as in the authors' ``prune_wanda``.

selection ``"exact"`` prunes ``ceil(in * sparsity)`` weights per row; ``"authors"``
(``wanda-authors``) prunes ``int(in * sparsity)``, as the published code does (0.87% at 1% on a
576-wide row).
"""

from __future__ import annotations

import torch

from harness.core.masks import select_mask

from reference_pruners.blockwise import blockwise

BATCH_SIZE = 8


def wanda_score(weight: torch.Tensor, input_sq_norm: torch.Tensor) -> torch.Tensor:
    """|W| * ||X||_2. weight: [out, in]; input_sq_norm: [in], sum over tokens of x_j^2. Returns [out, in]."""
    return weight.abs() * input_sq_norm.sqrt().to(weight.dtype)[None, :]


def sq_norm(x: torch.Tensor) -> torch.Tensor:
    """Sum over tokens of x^2 per input feature; x: [..., in] -> [in], fp32 whatever x's dtype.

    ``vector_norm(dtype=float32)`` upcasts inside the reduction, so no fp32 copy of x is made.
    """
    return torch.linalg.vector_norm(x.reshape(-1, x.shape[-1]), 2, dim=0, dtype=torch.float32).pow(2)


def accumulate_sq_norm(acc: torch.Tensor | None, x: torch.Tensor) -> torch.Tensor:
    s = sq_norm(x)
    return s if acc is None else acc + s


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None, selection="exact"):
    last = {}   # q/k/v (gate/up) receive one tensor object: reduce it once, not three times

    def observe(norms, name, x):
        if last.get("x") is not x:
            last["x"], last["s"] = x, sq_norm(x)
        norms[name] = last["s"] if name not in norms else norms[name] + last["s"]

    def prune_block(norms, block_layers):
        for name, layer in block_layers.items():
            w = layer.weight.data
            w[select_mask(wanda_score(w, norms[name]), sparsity, pattern, "row", selection)] = 0

    blockwise(model, calib, device, begin=dict, observe=observe, prune_block=prune_block, batch_size=BATCH_SIZE)
