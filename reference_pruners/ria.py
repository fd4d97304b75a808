"""RIA, Relative Importance and Activations (Zhang et al., ICLR 2024, "Plug-and-Play: An Efficient
Post-training Pruning Method for Large Language Models").

Score ``RIA_ij = (|W_ij| / sum_k |W_ik| + |W_ij| / sum_k |W_kj|) * ||X_j||_2 ^ a`` with ``a = 0.5``:
a weight's share of its output row's absolute sum plus its share of its input column's, times the
activation norm of its input to the power ``a``. Activations are gathered block by block, each block
seeing the outputs of the already-pruned blocks before it, exactly as Wanda's (reference_pruners/wanda.py,
reference_pruners/blockwise.py).

Checked against the authors' code (biomedical-cybernetics/Relative-importance-and-activation-pruning,
commit 7bc55b0), read, not copied:

* ``lib/prune.py`` ``prune_ria``: ``W_metric = (|W| / sum(|W|, dim=0) + |W| / sum(|W|, dim=1)[:, None])
  * sqrt(scaler_row) ** args.a``: the column sum over output rows and the row sum over inputs, as above;
  ``main.py``: ``--a`` defaults to 0.5. ``scaler_row`` (``lib/layerwrapper.py``) is the mean over
  calibration samples of ``||x_j||^2``, ours the sum: a constant factor for the whole layer, which
  changes no comparison inside it.
* The comparison group for unstructured sparsity is the **whole layer**, not the output row: ``main.py``'s
  ``--per_outneuron`` ("pruning per outneuron. Wanda's tactic.") is a ``store_true`` flag, off by default,
  and without it ``prune_ria`` prunes every score ``<=`` the value at sorted position ``int(out * in * s)``
  of the layer. So ``group="layer"`` is the default here; ``group="row"`` is their ``--per_outneuron``.
* N:M without ``--reallocation``: the ``N`` lowest scores in every ``M`` consecutive inputs of a row
  (``harness.core.masks.nm_mask``). RIA's heuristic channel reallocation and linear-sum-assignment channel
  permutation (``--reallocation``, ``--lsa``) exist only for N:M and are off by default; they are not
  implemented here.
* Block-sequential: after a block is pruned its outputs are recomputed and feed the next block.

Deliberate differences: the project's exact count, ``ceil(n * s)`` lowest scores per group
(harness.core.masks.count_to_prune), where the authors prune every score ``<=`` the threshold at ``int(n * s)``
(at least one more, plus ties); scores in float32 whatever the weight's dtype (theirs in the weight's
dtype); a row or column whose absolute sum is zero contributes 0 to the score (theirs divides 0 by 0,
NaN). No reconstruction (``--reconstruction``) and no quantisation (``--gptq``), both off by default.
"""

from __future__ import annotations

import torch

from harness.core.masks import select_mask

from reference_pruners.blockwise import blockwise
from reference_pruners.wanda import BATCH_SIZE, accumulate_sq_norm

ALPHA = 0.5
HYPERPARAMETERS = {"a": ALPHA, "group": "layer"}


def ria_score(weight: torch.Tensor, input_sq_norm: torch.Tensor, alpha: float = ALPHA) -> torch.Tensor:
    """RIA's relative importance times activation. weight: [out, in]; input_sq_norm: [in], the sum over
    calibration tokens of x_j^2. Returns float32 [out, in]:

    ``(|W_ij| / sum_k |W_ik| + |W_ij| / sum_k |W_kj|) * (sqrt(input_sq_norm_j)) ** alpha``

    where ``sum_k |W_ik|`` [out] runs over the inputs of row i and ``sum_k |W_kj|`` [in] over the
    outputs of column j. A zero row or column sum (all its weights zero) gives 0, not NaN.
    """
    a = weight.abs().float()
    tiny = torch.finfo(torch.float32).tiny
    row_sum = a.sum(dim=1, keepdim=True).clamp_min(tiny)   # [out, 1]
    col_sum = a.sum(dim=0, keepdim=True).clamp_min(tiny)   # [1, in]
    activation = input_sq_norm.float().sqrt().pow(alpha)   # [in]
    return (a / row_sum + a / col_sum) * activation[None, :]


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None, group="layer",
          alpha=ALPHA):
    def observe(norms, name, x):
        norms[name] = accumulate_sq_norm(norms.get(name), x)

    def prune_block(norms, block_layers):
        for name, layer in block_layers.items():
            w = layer.weight.data
            w[select_mask(ria_score(w, norms[name], alpha), sparsity, pattern, group)] = 0

    blockwise(model, calib, device, begin=dict, observe=observe, prune_block=prune_block, batch_size=BATCH_SIZE)
