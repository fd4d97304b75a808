"""Movement pruning (Sanh, Wolf & Rush, 2020): importance scores learned with the language-modelling loss.

Each prunable weight W [out, in] gets a score S of the same shape. The forward pass uses
W' = W * M(S), where M keeps the top ``1 - s_t`` scores of each layer (hard movement pruning,
per-layer Top-K). M has no gradient, so the straight-through estimator is used: dL/dS = dL/dW' * W.
A weight whose gradient pushes it away from zero (W * dL/dW' < 0) gains score and is kept; one
pushed toward zero loses score and is pruned: the "movement" of the paper.

Training, on the calibration windows (batch 1, cycled in order):
  * steps T = EPOCHS * nsamples; Adam on S at lr 1e-2 (the authors' mask-score learning rate);
    S starts at 0 (their ``constant`` initialisation);
  * sparsity schedule: s_t = 0 for the first 25% of steps (scores gather movement before anything is
    pruned, the authors' initial warm-up), then cubic from 0 to the target over 50% (Zhu & Gupta),
    then the target for the last 25% (the final warm-up, so scores settle under the final mask);
  * the final mask is the Top-K of S at exactly the target (or N:M over S for N:M patterns).

**Weights are frozen.** The authors fine-tune W together with S; here only S is learned, so the
method is compared with Wanda and SparseGPT as one more way of *choosing* which weights to remove
(SparseGPT's reconstruction aside, none of them retrains), and the memory is S plus Adam's two
states (3 x the prunable weights in fp32) instead of that plus W's states and gradients. What is
lost is the co-adaptation of the surviving weights, which is most of movement pruning's strength at
high sparsity in the authors' fine-tuning regime.

Sizing: with the default CPU calibration (8 windows of 256 tokens) T = 16 steps of one forward and
backward pass (~40 s a level for SmolLM2 on 2 cores); with the papers' 128 windows of 2,048 on a
GPU, T = 256 (40 s on an H200). Measured on SmolLM2-135M (bench/results/movement-h200.txt and the
closing note of issue 12): this is not a good post-training pruner, and training longer does not
make it one. At 10%, with magnitude at 21.5 and the dense model at 21.6 (GPU, all test windows):
T = 256 gives 755 and T = 1,024 gives 3,456; on the CPU default (T = 16) 1% gives 28.3 (dense 15.1)
and 10% 2.0e6. Most likely because the pretrained model sits at an optimum of this very loss, so W * dL/dW is
mostly noise whose sign the scores learn; the authors fine-tune on a new task, where the movement is real,
and train W too. Kept because Table 1 names it and a reader should see it measured, not assumed.
"""

from __future__ import annotations

import torch
from torch.func import functional_call

from harness.core.masks import select_mask
from harness.core.sparsity import parse_pattern, prunable_layers

EPOCHS = 2
LR = 1e-2
WARMUP, RAMP = 0.25, 0.5          # fractions of T: initial warm-up at 0, then the cubic ramp, then the target

HYPERPARAMETERS = {"steps": f"{EPOCHS} x nsamples", "batch_size": 1, "optimizer": "Adam", "lr": LR,
                   "score_init": "constant 0", "mask": "hard Top-K per layer, straight-through",
                   "schedule": f"0 for {WARMUP:.0%}, cubic to target over {RAMP:.0%}, target for the rest",
                   "weights": "frozen"}


def cubic_sparsity(step: int, total: int, target: float, warmup: float = WARMUP, ramp: float = RAMP) -> float:
    """Sparsity at ``step`` of ``total``: 0 in the warm-up, s_f * (1 - (1 - p)^3) on the ramp (p in [0, 1]), then s_f."""
    start, length = warmup * total, max(ramp * total, 1)
    p = min(max((step - start) / length, 0.0), 1.0)
    return target * (1 - (1 - p) ** 3)


def straight_through(weight: torch.Tensor, keep: torch.Tensor, score: torch.Tensor) -> torch.Tensor:
    """W * M in the forward pass, with dL/dS = dL/dW' * W in the backward. All [out, in]; keep is bool."""
    return weight * (keep.to(score.dtype) + score - score.detach()).to(weight.dtype)


def keep_mask(score: torch.Tensor, sparsity: float, pattern: str, exact: bool = True) -> torch.Tensor:
    """True where a weight survives: the top ``1 - sparsity`` scores of the layer, or N:M over the scores.

    exact=False (during training) cuts at the k-th value instead of ranking: O(n), and ties kept.
    """
    nm = parse_pattern(pattern)
    if nm is None and sparsity <= 0:
        return torch.ones_like(score, dtype=torch.bool)
    if exact or nm is not None:
        return ~select_mask(score, sparsity, pattern, "layer")
    k = max(1, int(score.numel() * sparsity))
    flat = score.detach().flatten()
    # kthvalue is O(n) on the CPU but far slower than a radix sort on CUDA.
    cut = flat.sort().values[k - 1] if flat.is_cuda else flat.kthvalue(k).values
    return score > cut


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    layers = layers or prunable_layers(model)
    nm = parse_pattern(pattern)
    names = {name: f"{name}.weight" for name in layers}
    scores = {name: torch.zeros_like(layer.weight, dtype=torch.float32, requires_grad=True)
              for name, layer in layers.items()}
    opt = torch.optim.Adam(scores.values(), lr=LR)
    steps = EPOCHS * calib.shape[0]
    saved = {p: p.requires_grad for p in model.parameters()}
    try:
        for p in model.parameters():
            p.requires_grad_(False)
        for t in range(steps):
            s_t = cubic_sparsity(t, steps, sparsity)
            # N:M is only reachable as N:M once the ramp is done; before that, unstructured toward N/M.
            step_pattern = pattern if nm is not None and t >= (WARMUP + RAMP) * steps else "unstructured"
            masked = {}
            for name, layer in layers.items():
                with torch.no_grad():
                    keep = keep_mask(scores[name], s_t, step_pattern, exact=False)
                masked[names[name]] = straight_through(layer.weight, keep, scores[name])
            x = calib[t % calib.shape[0]:t % calib.shape[0] + 1].to(device)
            loss = functional_call(model, masked, args=(), kwargs={"input_ids": x, "labels": x, "use_cache": False}).loss
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    finally:
        for p, flag in saved.items():
            p.requires_grad_(flag)
    with torch.no_grad():
        for name, layer in layers.items():
            layer.weight[~keep_mask(scores[name], sparsity, pattern)] = 0
