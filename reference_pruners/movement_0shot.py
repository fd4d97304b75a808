"""Movement pruning's score at step 0, one-shot (``movement-0shot``, an ablation): S = -W * dL/dW,
accumulated over the calibration batches. ``movement`` (reference_pruners/movement.py) is the real one.

Sanh et al. (2020) learn S = -sum_t W^(t) * dL/dW^(t) *during fine-tuning*, so weights that move
away from zero are kept and weights shrinking toward zero are pruned. Here there is no fine-tuning:
the gradient of the language-modelling loss on the calibration windows is taken at the dense
weights, once, and S = -W * sum_batches dL/dW. That makes this the first-order "movement" score at
step 0 (the signed Taylor term), not Sanh et al.'s trained scores; it prunes the weights whose
removal the first-order expansion says would *lower* the loss least. Per-layer comparison groups.

Measured on SmolLM2-135M (reports/default before it was renamed): collapses the model even at 1%,
because the weights it removes first are large ones whose linear term predicts a gain that the
true loss does not have. Fine-tuning is what makes movement pruning work; ``taylor`` (|W * dL/dW|)
is the one-shot first-order score that does.
"""

from __future__ import annotations

import torch

from harness.core.sparsity import prunable_layers

from reference_pruners.scoring import prune_by_score

BATCH_SIZE = 1


def movement_score(weight: torch.Tensor, grad_sum: torch.Tensor) -> torch.Tensor:
    """-W * G. weight, grad_sum: [out, in]. Low = pruned first."""
    return -(weight.float() * grad_sum.float())


def calibration_gradients(model, calib, device, layers=None) -> tuple[dict, dict[str, torch.Tensor]]:
    """(prunable layers, name -> sum over calibration batches of dL/dW [out, in]); gradients cleared after."""
    layers = layers or prunable_layers(model)
    wanted = {id(layer.weight) for layer in layers.values()}
    saved = {p: p.requires_grad for p in model.parameters()}
    try:
        # Only the prunable weights need gradients: no memory for embedding or norm gradients.
        for p in model.parameters():
            p.requires_grad_(id(p) in wanted)
            p.grad = None
        for start in range(0, calib.shape[0], BATCH_SIZE):
            x = calib[start:start + BATCH_SIZE].to(device)
            model(input_ids=x, labels=x, use_cache=False).loss.backward()
        grads = {name: layer.weight.grad for name, layer in layers.items()}
    finally:
        for p, flag in saved.items():
            p.requires_grad_(flag)
    for layer in layers.values():
        layer.weight.grad = None
    return layers, grads


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    layers, grads = calibration_gradients(model, calib, device, layers)
    with torch.no_grad():
        prune_by_score(model, sparsity, pattern, lambda name, layer: movement_score(layer.weight, grads[name]),
                       "layer", layers)
