"""SparseGPT (Frantar & Alistarh, 2023): layer-wise OBS pruning with weight reconstruction.

For each linear layer, H = 2/n * sum_t x_t x_t^T over its calibration inputs. Columns are processed
left to right in blocks of 128; within a block the mask is chosen adaptively by w^2 / [H^-1]_jj^2,
and each pruned weight's error is pushed onto the not-yet-processed columns through the Cholesky
factor of H^-1. Dampening 1% of the mean diagonal. Inputs are propagated through the already-pruned
blocks, as in the paper.

One exactness-preserving speed-up over the published code: the OBS update is independent per output
row given H, so layers that read the same input (q/k/v, gate/up) share one Hessian and one column
loop over their stacked rows, while the adaptive mask is still chosen per layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from harness.core.masks import count_to_prune, threshold_mask
from harness.core.sparsity import parse_pattern

from reference_pruners.blockwise import blockwise

BLOCKSIZE = 128
PERCDAMP = 0.01
BATCH_SIZE = 8


def accumulate_hessian(H: torch.Tensor | None, count: int, x: torch.Tensor) -> tuple[torch.Tensor, int]:
    """Running H = 2/n * X^T X over n tokens. x: [..., in]; H: [in, in] fp32. Returns (H, n)."""
    x = x.reshape(-1, x.shape[-1]).float()
    n = x.shape[0]
    if H is None:
        H = torch.zeros(x.shape[1], x.shape[1], dtype=torch.float32, device=x.device)
    H *= count / (count + n)
    count += n
    x = x * (2 / count) ** 0.5
    H.addmm_(x.T, x)
    return H, count


def _inverse_hessian_factor(H: torch.Tensor, W: torch.Tensor, percdamp: float) -> torch.Tensor:
    """Upper Cholesky factor of (H + damp I)^-1; zeroes W's columns of dead inputs in place."""
    H = H.clone()
    dead = torch.diag(H) == 0
    H[dead, dead] = 1
    W[:, dead] = 0
    damp = percdamp * torch.mean(torch.diag(H))
    H.diagonal().add_(damp)
    L = torch.linalg.cholesky(H)
    Hinv = torch.cholesky_inverse(L)
    return torch.linalg.cholesky(Hinv, upper=True)


def sparsify_weight(weights: list[torch.Tensor], H: torch.Tensor, sparsity: float, pattern: str = "unstructured",
                    blocksize: int = BLOCKSIZE, percdamp: float = PERCDAMP, selection: str = "exact") -> list[torch.Tensor]:
    """Prune and reconstruct weights that share the Hessian ``H`` [in, in].

    weights: list of [out_k, in] tensors (one per layer). Returns new fp32 tensors of the same shapes.
    The adaptive mask of each column block is chosen per layer (each layer's rows separately):
    exactly ``ceil(n * sparsity)`` of its entries, or with selection ``"authors"`` every entry ``<=``
    the value at sorted position ``int(n * sparsity)``, as the published ``fasterprune`` does.
    """
    nm = parse_pattern(pattern)
    sizes = [w.shape[0] for w in weights]
    W = torch.cat([w.float() for w in weights])
    cols = W.shape[1]
    Hinv = _inverse_hessian_factor(H, W, percdamp)
    bounds = torch.tensor([0] + sizes).cumsum(0).tolist()

    for i1 in range(0, cols, blocksize):
        i2 = min(i1 + blocksize, cols)
        count = i2 - i1
        W1 = W[:, i1:i2].clone()
        Err1 = torch.zeros_like(W1)
        Hinv1 = Hinv[i1:i2, i1:i2]
        d = torch.diag(Hinv1)
        mask1 = torch.zeros_like(W1, dtype=torch.bool)
        if nm is None:
            tmp = W1 ** 2 / d[None, :] ** 2
            for a, b in zip(bounds[:-1], bounds[1:]):  # one adaptive threshold per layer
                if selection == "authors":
                    mask1[a:b] = threshold_mask(tmp[a:b], sparsity)
                    continue
                k = count_to_prune(tmp[a:b].numel(), sparsity)
                if k:
                    idx = torch.topk(tmp[a:b].flatten(), k, largest=False).indices
                    mask1[a:b].view(-1)[idx] = True
        keep = (~mask1).to(W1.dtype)
        for i in range(count):
            if nm is not None and i % nm[1] == 0:
                n, m = nm
                tmp = W1[:, i:i + m] ** 2 / d[i:i + m][None, :] ** 2
                mask1[:, i:i + m].scatter_(1, torch.topk(tmp, n, dim=1, largest=False).indices, True)
                keep[:, i:i + m] = (~mask1[:, i:i + m]).to(W1.dtype)
            # err = (w - q) / d with q = w where kept, 0 where pruned; written straight into Err1.
            err = Err1[:, i]
            torch.mul(W1[:, i], 1 - keep[:, i], out=err)
            err.div_(d[i])
            # Hinv1 is upper triangular, so updating every column equals updating columns i: of the
            # published code, with one fixed-shape kernel instead of a shrinking slice.
            W1.addr_(err, Hinv1[i], alpha=-1)
        W[:, i1:i2] = W1.masked_fill(mask1, 0)   # each processed column is now its q, exactly 0 where pruned
        W[:, i2:].sub_(Err1 @ Hinv[i1:i2, i2:])
    return list(W.split(sizes))


@dataclass
class _BlockStats:
    """Hessians of one block. Layers fed the very same input tensor share their owner's Hessian."""
    hessians: dict = field(default_factory=dict)   # owner name -> (H, count)
    owner: dict = field(default_factory=dict)      # layer name -> owner name
    last: tuple = (None, None)                     # (input tensor, owner) of the previous hook call


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None, selection="exact"):
    def observe(stats: _BlockStats, name, x):
        last_x, last_owner = stats.last
        if x is last_x:                       # q/k/v (gate/up) see one tensor object
            stats.owner.setdefault(name, last_owner)
            return
        stats.owner.setdefault(name, name)
        H, n = stats.hessians.get(name, (None, 0))
        stats.hessians[name] = accumulate_hessian(H, n, x)
        stats.last = (x, name)

    def prune_block(stats: _BlockStats, block_layers):
        stats.last = (None, None)
        for owner, (H, _) in stats.hessians.items():
            group = [name for name in block_layers if stats.owner.get(name) == owner]
            new = sparsify_weight([block_layers[n].weight.data for n in group], H, sparsity, pattern,
                                  selection=selection)
            for name, w in zip(group, new):
                block_layers[name].weight.data.copy_(w)

    blockwise(model, calib, device, begin=_BlockStats, observe=observe, prune_block=prune_block,
              batch_size=BATCH_SIZE)
