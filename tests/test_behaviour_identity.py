"""Behavioural identity: two pruners are the same method when they return the same model, whatever their code."""

from __future__ import annotations

import torch

from harness.core.program_identity import KEPT_DIGEST, MASK_DIGEST, tensor_digests


def weights(seed: int = 0) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return {"b.weight": torch.randn(4, 8, generator=g), "a.weight": torch.randn(3, 8, generator=g)}


def prune_lowest(w: dict[str, torch.Tensor], k: int, how: str) -> dict[str, torch.Tensor]:
    out = {}
    for name, t in w.items():
        mask = torch.zeros_like(t, dtype=torch.bool)
        mask.view(-1)[t.abs().flatten().argsort()[:k]] = True
        out[name] = t * ~mask if how == "multiply" else t.masked_fill(mask, 0.0)
    return out


def test_two_ways_of_zeroing_the_same_weights_are_the_same_model():
    w = weights()
    a, b = prune_lowest(w, 5, "multiply"), prune_lowest(w, 5, "fill")
    assert any((t == 0).any() and torch.signbit(t[t == 0]).any() for t in a.values())   # -0.0 written
    assert tensor_digests(a) == tensor_digests(b)
    assert tensor_digests(dict(reversed(list(a.items())))) == tensor_digests(a)      # order of the dict: no matter


def test_another_mask_or_other_kept_values_differ():
    w = weights()
    base = tensor_digests(prune_lowest(w, 5, "fill"))
    more = tensor_digests(prune_lowest(w, 6, "fill"))
    assert more[MASK_DIGEST] != base[MASK_DIGEST]
    rescaled = {n: t * 1.5 for n, t in prune_lowest(w, 5, "fill").items()}   # same zeros, reconstructed rest
    d = tensor_digests(rescaled)
    assert d[MASK_DIGEST] == base[MASK_DIGEST] and d[KEPT_DIGEST] != base[KEPT_DIGEST]


def test_the_layer_a_zero_is_in_matters():
    w = weights()
    swapped = {"a.weight": w["a.weight"].clone(), "b.weight": w["b.weight"].clone()}
    swapped["a.weight"][0, 0] = 0
    other = {"a.weight": w["a.weight"].clone(), "b.weight": w["b.weight"].clone()}
    other["b.weight"][0, 0] = 0
    assert tensor_digests(swapped)[MASK_DIGEST] != tensor_digests(other)[MASK_DIGEST]


def test_bfloat16_tensors_hash():
    w = {n: t.to(torch.bfloat16) for n, t in weights().items()}
    assert tensor_digests(w) == tensor_digests({n: t.clone() for n, t in w.items()})
