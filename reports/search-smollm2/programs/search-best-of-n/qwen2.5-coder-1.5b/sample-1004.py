# prunegen candidate: machine-written, not reviewed by a person.
# idea: search (A better importance score for one-shot pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 1004
# prompt: template search_user, sha256 dea46531beab5d21890ed7d9cb279f91f88d246b927064ce59757ca745e85ec7
# date: 2026-12-07T08:28:32Z
# params: {"max_tokens": 600, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python); defines no prune()

from typing import *
import torch
import math

def score(weight, act_norm, act_mean, grad, fisher, hinv_diag, *, c1=1.0):
    # Calculate the importance scores for each weight
    scores = (weight**2 / hinv_diag).view(-1)

    # Sort the scores in descending order and return the top 'c1' scores
    return torch.topk(scores, int(c1 * len(scores)), largest=True)[0]


# --------------------------------------------------------------------------------------------------
# Above: the model's `score`. Below: prunegen's search skeleton (prompts/search_skeleton.py), the same for
# every search-form program; it turns `score` into the interface's `prune`.
# --------------------------------------------------------------------------------------------------
import inspect as _inspect

import torch as _torch

# What `score` may ask for, by parameter name; only what it asks for is computed.
_STATISTICS = ("weight", "act_norm", "act_mean", "grad", "fisher", "hinv_diag")
_DAMP = 0.01   # hinv_diag's damping: this fraction of the mean diagonal of X^T X / tokens is added to it
_CACHE = {}    # statistics of the dense model, kept across the levels of one sandbox run


def _wanted(fn):
    """The statistics `fn` takes by name, in its order. A parameter with a default that is not a
    statistic is a tunable constant: it keeps its default here (the harness bakes tuned values in)."""
    params = _inspect.signature(fn).parameters
    unknown = [n for n, p in params.items() if n not in _STATISTICS and p.default is _inspect.Parameter.empty]
    if unknown:
        raise TypeError(f"score() parameters {unknown} are neither statistics {_STATISTICS} nor constants with a default")
    return tuple(n for n in params if n in _STATISTICS)


def _statistics(model, calib, layers, device, names):
    """Per prunable layer, the statistics in `names` (float32):
    act_norm [in]: sqrt(sum over calibration tokens of x_j^2); act_mean [in]: mean over tokens of x_j;
    grad [out, in]: dL/dW averaged over calibration sequences; fisher [out, in]: (dL/dW)^2 averaged
    over sequences (one gradient per sequence); hinv_diag [in]: the diagonal of
    (X^T X / tokens + damp * I)^-1, damp = _DAMP * mean diagonal."""
    key = (id(model), calib.data_ptr(), tuple(calib.shape), names)
    if key in _CACHE:
        return _CACHE[key]
    need_xtx = "hinv_diag" in names
    need_grad = "grad" in names or "fisher" in names
    f32 = dict(dtype=_torch.float32)
    sq = {n: _torch.zeros(l.in_features, device=l.weight.device, **f32) for n, l in layers.items()}
    sm = {n: _torch.zeros(l.in_features, device=l.weight.device, **f32) for n, l in layers.items()}
    xtx = {n: _torch.zeros(l.in_features, l.in_features, device=l.weight.device, **f32)
           for n, l in layers.items()} if need_xtx else {}
    grad = {n: _torch.zeros(l.weight.shape, device=l.weight.device, **f32) for n, l in layers.items()} \
        if "grad" in names else {}
    fisher = {n: _torch.zeros(l.weight.shape, device=l.weight.device, **f32) for n, l in layers.items()} \
        if "fisher" in names else {}
    tokens = [0]

    def hook(name):
        def add(module, inputs, output):
            x = inputs[0].detach().float().reshape(-1, inputs[0].shape[-1])
            sq[name] += (x * x).sum(dim=0)
            sm[name] += x.sum(dim=0)
            if need_xtx:
                xtx[name] += x.T @ x
        return add

    first = next(iter(layers))
    def count(module, inputs, output):
        tokens[0] += inputs[0].reshape(-1, inputs[0].shape[-1]).shape[0]

    handles = [l.register_forward_hook(hook(n)) for n, l in layers.items()]
    handles.append(layers[first].register_forward_hook(count))
    try:
        for i in range(calib.shape[0]):
            x = calib[i:i + 1].to(device)
            if need_grad:
                model(x, labels=x).loss.backward()
                for n, l in layers.items():
                    g = l.weight.grad.float()
                    if grad:
                        grad[n] += g
                    if fisher:
                        fisher[n] += g * g
                model.zero_grad(set_to_none=True)
            else:
                with _torch.no_grad():
                    model(x)
    finally:
        for h in handles:
            h.remove()
    n_seq, n_tok = calib.shape[0], max(tokens[0], 1)
    out = {}
    for n, l in layers.items():
        s = {"act_norm": sq[n].sqrt(), "act_mean": sm[n] / n_tok}
        if grad:
            s["grad"] = grad[n] / n_seq
        if fisher:
            s["fisher"] = fisher[n] / n_seq
        if need_xtx:
            h = xtx.pop(n) / n_tok
            h += _DAMP * h.diagonal().mean().clamp_min(1e-8) * _torch.eye(h.shape[0], device=h.device)
            s["hinv_diag"] = _torch.cholesky_inverse(_torch.linalg.cholesky(h)).diagonal().contiguous()
        out[n] = s
    _CACHE.clear()   # one model at a time
    _CACHE[key] = out
    return out


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    names = _wanted(score)
    stats = _statistics(model, calib, layers, device, tuple(n for n in names if n != "weight"))
    for name, layer in layers.items():
        w = layer.weight.data
        given = {"weight": w.float().clone(), **{k: v.clone() for k, v in stats[name].items()}}
        s = score(**{n: given[n] for n in names})
        if not isinstance(s, _torch.Tensor) or tuple(s.shape) != tuple(w.shape):
            raise ValueError(f"score() must return a tensor of the weight's shape {tuple(w.shape)} for {name}, "
                             f"got {type(s).__name__} {tuple(getattr(s, 'shape', ()))}")
        s = s.detach().to(device=w.device, dtype=_torch.float32)
        if _torch.isnan(s).any():
            raise ValueError(f"score() returned NaN for {name}")
        if pattern == "unstructured":   # the lowest scores of every output row
            k = int(round(w.shape[1] * sparsity))
            if k:
                idx = _torch.topk(s, k, dim=1, largest=False).indices
                w.scatter_(1, idx, 0)
        else:                           # the N lowest of every M consecutive weights of a row
            n, m = (int(v) for v in pattern.split(":"))
            groups = s.reshape(w.shape[0], -1, m)
            idx = _torch.topk(groups, n, dim=-1, largest=False).indices
            mask = _torch.zeros_like(groups, dtype=_torch.bool).scatter_(-1, idx, True)
            w[mask.reshape(w.shape)] = 0
