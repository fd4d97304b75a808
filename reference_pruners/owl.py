"""OWL, Outlier Weighed Layerwise sparsity (Yin et al., ICML 2024), on Wanda's scores.

A decoder block with more outlier scores gets a lower sparsity, a block with fewer a higher one, the
mean over blocks staying the target ``S``:

1. A first calibration pass through the **dense** model, block by block, computes Wanda's scores
   ``|W_ij| * ||X_j||_2`` of every prunable layer of each block and the block's outlier ratio ``D_l``:
   the fraction of all those scores (the block's layers together) above ``M`` times their mean.
2. :func:`owl_ratios` maps the ratios to per-block sparsities: ``D`` min-max normalised to
   ``[0, 2 * lam]``, shifted so that its mean is the target density ``1 - S``, then ``s_l = 1 - density_l``.
   The spread ``max s - min s`` is ``2 * lam``; the mean is ``S``.
3. A second pass prunes as Wanda does (reference_pruners/wanda.py: per output row, activations through
   the already-pruned blocks), block ``l`` at its own ``s_l``.

``M = 5`` and ``lam = 0.08``: the authors' README commands for LLaMA-7B with Wanda (``--Hyper_m 5
--Lamda 0.08``; ``main.py``'s own default for ``--Hyper_m`` is 3).

Checked against the authors' code (luuyin/OWL, commit dddb7a4), read, not copied:

* ``lib/prune_all.py`` ``prune_wanda_outlier`` (``--prune_method wanda_owl``): the first pass runs every
  block unpruned; the scores of all the block's layers are flattened and concatenated before
  ``check_outlier_mean(layer_wmetric, args.Hyper_m)``, which counts ``W > mean(W) * M`` over that
  concatenation: the mean is **per block** (all its layers together), not per layer. Their ratio is in
  percent; min-max normalisation makes the unit irrelevant.
* The mapping: ``(D - min D) / (max D - min D) * Lamda * 2``, then ``- mean + (1 - sparsity_ratio)``,
  then ``layer_sparsity_ratio = 1 - that``. So the per-block sparsities span ``2 * lam`` around a mean
  of exactly ``S``, but they are *not* confined to ``[S - lam, S + lam]`` as the paper's text says: with
  one outlier-heavy block among ``n`` that block gets ``S - 2 lam (1 - 1/n)``. This follows the code.
* Selection inside a block: Wanda's, per output row (``torch.sort(W_metric, dim=-1)`` then the first
  ``int(in * s_l)`` indices of each row).
* N:M (``prune_n != 0``): ``prune_wanda_outlier`` computes the ratios but prunes every layer with plain
  Wanda N:M, ignoring them (and ``main.py`` asserts a 0.5 level for N:M). The same fallback here: for an
  N:M pattern OWL is Wanda N:M (reference_pruners/wanda.py), without the first pass. Their separate
  ``wanda_owl_structure`` gives each block its own N (e.g. ``5:8`` with ``--Lamda 2``), a pattern
  that is not the requested ``N:M`` in every block; not implemented.

Deliberate differences: the project's exact count ``ceil(in * s_l)`` per row where the authors prune
``int(in * s_l)``; outlier statistics in float32 scores and a float64 mean; when every block has the
same ratio (their code divides by zero) every block gets ``S``; and where the mapped sparsities would
leave ``[0, 1]`` (only when ``S < 2 lam`` or ``S > 1 - 2 lam``) ``lam`` is shrunk until they fit, which
keeps the mean at ``S``, where the authors raise a sparsity ``<= 0`` to 0.01 (moving the mean off
``S``) and leave one above 1 as it is. The mean over blocks is the overall level only when the blocks
are the same size, as every decoder-only transformer's are.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from harness.core.masks import select_mask
from harness.core.sparsity import parse_pattern

from reference_pruners import wanda
from reference_pruners.blockwise import blockwise
from reference_pruners.wanda import BATCH_SIZE, accumulate_sq_norm, wanda_score

M = 5.0
LAMBDA = 0.08
HYPERPARAMETERS = {"M": M, "lambda": LAMBDA, "score": "wanda", "nm": "wanda (uniform)"}


def outlier_fraction(scores: Sequence[torch.Tensor], m: float = M) -> float:
    """The fraction of all entries of ``scores`` (one block's layers, each [out, in], taken together)
    greater than ``m`` times the mean of those entries. Returns a float in [0, 1]."""
    total = sum(s.numel() for s in scores)
    if not total:
        return 0.0
    mean = sum(s.sum(dtype=torch.float64) for s in scores) / total
    count = sum(int((s.double() > m * mean).sum()) for s in scores)
    return count / total


def owl_ratios(outlier_fractions: Sequence[float], target: float, lam: float = LAMBDA) -> list[float]:
    """Per-block sparsities from per-block outlier ratios: a higher ratio gets a lower sparsity.

    outlier_fractions: [n_blocks] (any unit: only their min-max normalisation matters); target: the
    mean sparsity ``S`` in [0, 1]. Returns [n_blocks] sparsities ``S - lam * 2 * (u_l - mean(u))`` with
    ``u = (D - min D) / (max D - min D)``: mean ``S``, spread ``2 * lam`` (the authors' mapping). If all
    ratios are equal every block gets ``S``; if a sparsity would leave [0, 1], ``lam`` is reduced to the
    largest value that keeps them all inside (the mean stays ``S``).
    """
    d = [float(x) for x in outlier_fractions]
    if not d:
        return []
    lo, hi = min(d), max(d)
    if hi == lo:
        return [float(target)] * len(d)
    u = [2 * (x - lo) / (hi - lo) for x in d]
    mean = sum(u) / len(u)
    dev = [x - mean for x in u]                  # sparsity_l = target - lam * dev_l; max(dev) > 0 > min(dev)
    lam = min(lam, target / max(dev), (1 - target) / -min(dev))
    return [target - lam * v for v in dev]


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None, m=M, lam=LAMBDA):
    if parse_pattern(pattern) is not None:   # as the authors' wanda_owl: plain Wanda for N:M
        wanda.prune(model, sparsity, calib, pattern=pattern, device=device, layers=layers)
        return

    def observe(norms, name, x):
        norms[name] = accumulate_sq_norm(norms.get(name), x)

    fractions: list[float] = []

    def measure_block(norms, block_layers):      # first pass: the dense model, nothing pruned
        fractions.append(outlier_fraction(
            [wanda_score(layer.weight.data.float(), norms[name]) for name, layer in block_layers.items()], m))

    blockwise(model, calib, device, begin=dict, observe=observe, prune_block=measure_block, batch_size=BATCH_SIZE)
    levels = iter(owl_ratios(fractions, sparsity, lam))

    def prune_block(norms, block_layers):
        level = next(levels)
        for name, layer in block_layers.items():
            w = layer.weight.data
            w[select_mask(wanda_score(w, norms[name]), level, "unstructured", "row")] = 0

    blockwise(model, calib, device, begin=dict, observe=observe, prune_block=prune_block, batch_size=BATCH_SIZE)
