# prunegen candidate: machine-written, not reviewed by a person.
# idea: search (A better importance score for one-shot pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 5
# prompt: template search_evolve, sha256 c5cc6e551baa4f1b1bea4437f2793f2f0a80d4ef360b832df04dfabcd86c1257
# date: 2026-12-08T01:53:33Z
# params: {"max_tokens": 600, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python), unclosed: reply truncated?; defines no prune()

import torch


def score_v1(weight, hinv_diag):
    # Keep the pruned weights column by column, left to right; each one's error is spread over the
    # columns not yet visited through the upper Cholesky factor u of the inverse of `hessian`, so the
    # layer's outputs on the calibration inputs move as little as possible. Columns are handled in
    # blocks: within a block at once, on the later columns in one matrix product per block.
    w = weight.clone()
    u = torch.linalg.cholesky(torch.cholesky_inverse(torch.linalg.cholesky(hessian)), upper=True)
    n = w.shape[1]
    for a in range(0, n, block):
        b = min(a + block, n)
        wb = w[:, a:b].clone()
        err = torch.zeros_like(wb)
        ub = u[a:b, a:b]
        for i in range(b - a):
            col = wb[:, i]
            kept = col * mask[:, a + i]
            e = (col - kept) / ub[i, i]
            wb[:, i:] -= e.unsqueeze(1) * ub[i, i:].unsqueeze(0)
            wb[:, i] = kept
            err[:, i] = e
        w[:, a:b] = wb
        w[:, b:] -= err @ u[a:b, b:]
    return torch.max(w, 1)[0]


def update(weight, mask, hessian, *, block=128):
    # Keep the pruned weights column by column, left to right; each one's error is spread over the
    # columns not yet visited through the upper Cholesky factor u of the inverse of `hessian`, so the
    # layer's outputs on the calibration inputs move as little as possible. Columns are handled in
    # blocks: within a block at once, on the later columns in one matrix product per block.
    w = weight.clone()
    u = torch.linalg.cholesky(torch.cholesky_inverse(torch.linalg.cholesky(hessian)), upper=True)
    n = w.shape[1]
    for a in range(0, n, block):
        b = min(a + block, n)
        wb = w[:, a:b].clone()
        err = torch.zeros_like(wb)
        ub = u[a:b, a:b]
        for i in range(b - a):
            col = wb[:, i]
            kept = col * mask[:, a + i]
            e = (col - kept) / ub[i, i]
            wb[:, i:] -= e.unsqueeze(1) * ub[i, i:].unsqueeze(0)
            wb[:, i] = kept
            err[:, i] = e
        w[:, a:b] = wb
        w[:, b:]


# --------------------------------------------------------------------------------------------------
# Above: the model's `score` (and its optional `allocate`). Below: prunegen's search skeleton
# (prompts/search_skeleton.py), the same for every search-form program; it turns them into the
# interface's `prune`.
# --------------------------------------------------------------------------------------------------
import inspect as _inspect
import math as _math
import re as _re

import torch as _torch

# What `score` may ask for, by parameter name; only what it asks for is computed.
_STATISTICS = ("weight", "act_norm", "act_mean", "grad", "fisher", "hinv_diag")
# What the optional `allocate` may ask for besides them: `score`'s result for the layer, the target, and
# where the layer sits (its decoder block's index and the number of blocks).
_ALLOCATE_INPUTS = _STATISTICS + ("importance", "sparsity", "block", "n_blocks")
# What the optional `update` may ask for besides them: the layer's kept weights (a mask), its inputs' damped
# second moment, and the target. It returns the layer's new weights; the pruned ones stay zero.
_UPDATE_INPUTS = _STATISTICS + ("mask", "hessian", "sparsity")
_SPREAD = 0.1  # with `allocate`, a layer's sparsity stays within the target +- this (and inside (0, 1))
_DAMP = 0.01   # hinv_diag's damping: this fraction of the mean diagonal of X^T X / tokens is added to it
_CACHE = {}    # statistics of the dense model, kept across the levels of one sandbox run
# The search's `[search] statistics`: False ("dense"), every layer's statistics come from the dense model,
# once; True ("sequential"), a decoder block's come from the model whose earlier blocks are already
# pruned, as Wanda and SparseGPT compute theirs (one calibration pass a block; no cache across levels).
_SEQUENTIAL = True


class _Stop(Exception):
    """Raised after the block being measured: the rest of a forward pass is not needed."""


def _wanted(fn, allowed=_STATISTICS):
    """The inputs in `allowed` that `fn` takes by name, in its order. A parameter with a default that is
    not an input is a tunable constant: it keeps its default here (the harness bakes tuned values in)."""
    params = _inspect.signature(fn).parameters
    unknown = [n for n, p in params.items() if n not in allowed and p.default is _inspect.Parameter.empty]
    if unknown:
        raise TypeError(f"{fn.__name__}() parameters {unknown} are neither statistics {allowed} "
                        "nor constants with a default")
    return tuple(n for n in params if n in allowed)


def _layer_sparsities(values, sizes, target, spread=_SPREAD):
    """Per-layer sparsities from `allocate`'s numbers: value + t, clipped to target +- spread, with the
    one shift t (bisection) that makes the size-weighted mean exactly the target.

    values, sizes: layer name -> float, -> number of weights. Only differences between values matter,
    up to the clip; equal values give every layer the target. The spread narrows near 0 and 1 so that
    no layer is pruned entirely or not at all."""
    spread = min(spread, target, (1.0 - target) / 2)
    lo, hi = target - spread, target + spread
    bad = [n for n, v in values.items() if not _math.isfinite(v)]
    if bad:
        raise ValueError(f"allocate() returned a non-finite number for {bad[0]}")
    total = sum(sizes.values())

    def mean(t):
        return sum(sizes[n] * min(hi, max(lo, v + t)) for n, v in values.items()) / total

    a, b = lo - max(values.values()), hi - min(values.values())   # mean(a) = lo <= target <= hi = mean(b)
    for _ in range(100):
        m = (a + b) / 2
        if mean(m) < target:
            a = m
        else:
            b = m
    return {n: min(hi, max(lo, v + b)) for n, v in values.items()}


def _row_counts(per_layer, shapes, target):
    """Weights to zero in each row of each layer: floor(in x s_l), then one more a row in the layers
    with the largest remainders until the model reaches ceil(target x total): never short of the
    target, and over it by less than one layer's rows. shapes: layer name -> (out, in)."""
    exact = {n: shapes[n][1] * s for n, s in per_layer.items()}
    k = {n: int(_math.floor(e + 1e-9)) for n, e in exact.items()}
    need = _math.ceil(target * sum(o * i for o, i in shapes.values()) - 1e-6)
    deficit = need - sum(shapes[n][0] * k[n] for n in k)
    for n in sorted(k, key=lambda n: (k[n] - exact[n], n)):   # largest remainder first
        if deficit <= 0:
            break
        if k[n] < shapes[n][1]:
            k[n] += 1
            deficit -= shapes[n][0]
    return k


def _block_of(name):
    """(index of the layer's decoder block, the dotted name of the block's module): the first whole
    number in the layer's dotted name and the name up to it; (0, None) where there is none."""
    m = _re.match(r"((?:.*?\.)?(\d+))\.", name + ".")
    return (int(m.group(2)), m.group(1)) if m else (0, None)


def _blocks(names):
    """Layer name -> index of its decoder block, and their count."""
    index = {n: _block_of(n)[0] for n in names}
    return index, len(set(index.values()))


def _block_groups(model, layers):
    """The prunable layers by decoder block, in block order: [(block module or None, {name: layer})]."""
    groups = {}
    for n, l in layers.items():
        groups.setdefault(_block_of(n), {})[n] = l
    out = []
    for (_, path), group in sorted(groups.items(), key=lambda kv: kv[0][0]):
        try:
            module = model.get_submodule(path) if path is not None else None
        except AttributeError:
            module = None
        out.append((module, group))
    return out


def _statistics(model, calib, layers, device, names, stop=None, cache=True):
    """Per prunable layer, the statistics in `names` (float32):
    act_norm [in]: sqrt(sum over calibration tokens of x_j^2); act_mean [in]: mean over tokens of x_j;
    grad [out, in]: dL/dW averaged over calibration sequences; fisher [out, in]: (dL/dW)^2 averaged
    over sequences (one gradient per sequence); hessian [in, in]: X^T X / tokens + damp * I,
    damp = _DAMP * mean diagonal; hinv_diag [in]: the diagonal of its inverse.
    stop: a module after which a forward pass may end (used only when no gradient is asked for)."""
    key = (id(model), calib.data_ptr(), tuple(calib.shape), names)
    if cache and key in _CACHE:
        return _CACHE[key]
    need_xtx = "hinv_diag" in names or "hessian" in names
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

    def halt(module, inputs, output):
        raise _Stop

    handles = [l.register_forward_hook(hook(n)) for n, l in layers.items()]
    handles.append(layers[first].register_forward_hook(count))
    if stop is not None and not need_grad:
        handles.append(stop.register_forward_hook(halt))
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
                    try:
                        model(x)
                    except _Stop:
                        pass
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
            if "hinv_diag" in names:
                s["hinv_diag"] = _torch.cholesky_inverse(_torch.linalg.cholesky(h)).diagonal().contiguous()
            if "hessian" in names:
                s["hessian"] = h
        out[n] = s
    if cache:
        _CACHE.clear()   # one model at a time
        _CACHE[key] = out
    return out


def _inputs(name, layer, stats):
    """The layer's weight and statistics as the model's functions receive them: float32 copies."""
    return {"weight": layer.weight.data.float().clone(), **{k: v.clone() for k, v in stats[name].items()}}


def _score(name, layer, names, stats):
    """`score` on one layer: float32 [out, in] on the weight's device, checked."""
    w = layer.weight.data
    given = _inputs(name, layer, stats)
    s = score(**{n: given[n] for n in names})
    if not isinstance(s, _torch.Tensor) or tuple(s.shape) != tuple(w.shape):
        raise ValueError(f"score() must return a tensor of the weight's shape {tuple(w.shape)} for {name}, "
                         f"got {type(s).__name__} {tuple(getattr(s, 'shape', ()))}")
    s = s.detach().to(device=w.device, dtype=_torch.float32)
    if _torch.isnan(s).any():
        raise ValueError(f"score() returned NaN for {name}")
    return s


def _allocation(layers, names, wanted, stats, sparsity):
    """Layer name -> weights to zero per row, from `allocate` (one number a layer), renormalised so the
    model meets the target."""
    block, n_blocks = _blocks(layers)
    values = {}
    for name, layer in layers.items():
        given = {**_inputs(name, layer, stats), "sparsity": float(sparsity), "block": block[name],
                 "n_blocks": n_blocks}
        # The score is computed again when the layer is pruned: keeping every layer's would cost a model's size.
        if "importance" in wanted:
            given["importance"] = _score(name, layer, names, stats)
        v = allocate(**{n: given[n] for n in wanted})
        try:
            values[name] = float(v)
        except (TypeError, ValueError, RuntimeError):
            raise ValueError(f"allocate() must return one number for {name}, got {type(v).__name__} "
                             f"{tuple(getattr(v, 'shape', ()))}") from None
    per_layer = _layer_sparsities(values, {n: l.weight.numel() for n, l in layers.items()}, float(sparsity))
    return _row_counts(per_layer, {n: tuple(l.weight.shape) for n, l in layers.items()}, float(sparsity))


def _kept(s, sparsity, pattern, k=None):
    """The weights a layer keeps, bool [out, in], from its scores s [out, in]: all but the k lowest
    (default round(in x sparsity)) of every output row, or all but the N lowest of every M consecutive
    weights of a row."""
    keep = _torch.ones_like(s, dtype=_torch.bool)
    if pattern == "unstructured":
        k = int(round(s.shape[1] * sparsity)) if k is None else k
        if k:
            keep.scatter_(1, _torch.topk(s, k, dim=1, largest=False).indices, False)
    else:
        n, m = (int(v) for v in pattern.split(":"))
        groups = keep.reshape(s.shape[0], -1, m)
        groups.scatter_(-1, _torch.topk(s.reshape(s.shape[0], -1, m), n, dim=-1, largest=False).indices, False)
    return keep


def _updated(name, layer, wanted, stats, mask, sparsity):
    """`update` on one layer: its new weights [out, in], float32, checked."""
    w = layer.weight.data
    given = {**_inputs(name, layer, stats), "mask": mask.clone(), "sparsity": float(sparsity)}
    new = update(**{n: given[n] for n in wanted})
    if not isinstance(new, _torch.Tensor) or tuple(new.shape) != tuple(w.shape):
        raise ValueError(f"update() must return a tensor of the weight's shape {tuple(w.shape)} for {name}, "
                         f"got {type(new).__name__} {tuple(getattr(new, 'shape', ()))}")
    new = new.detach().to(device=w.device, dtype=_torch.float32)
    if not _torch.isfinite(new).all():
        raise ValueError(f"update() returned a non-finite weight for {name}")
    return new


def _prune_layer(name, layer, names, stats, sparsity, pattern, k=None, update_inputs=None):
    """Zero the layer's lowest scores (_kept); with `update`, set its kept weights to update()'s."""
    w = layer.weight.data
    keep = _kept(_score(name, layer, names, stats), sparsity, pattern, k)
    if update_inputs is not None:
        w.copy_(_updated(name, layer, update_inputs, stats, keep, sparsity) * keep)
    else:
        w.masked_fill_(~keep, 0)


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    names = _wanted(score)
    # The optional per-layer allocation (unstructured only: N:M fixes every group's sparsity).
    alloc = globals().get("allocate")
    allocating = callable(alloc) and pattern == "unstructured"
    wanted = _wanted(alloc, _ALLOCATE_INPUTS) if allocating else ()
    upd = globals().get("update")
    update_inputs = _wanted(upd, _UPDATE_INPUTS) if callable(upd) else None
    need = tuple(dict.fromkeys(n for n in (*names, *wanted, *(update_inputs or ()))
                               if n in _STATISTICS + ("hessian",) and n != "weight"))
    # With sequential statistics the allocation still reads the dense model's: it fixes every layer's
    # share before the first is pruned.
    stats = _statistics(model, calib, layers, device, need) if allocating or not _SEQUENTIAL else None
    per_layer = _allocation(layers, names, wanted, stats, sparsity) if allocating else {}
    # Dense: one group, the whole model, measured above. Sequential: each block measured just before it is pruned.
    for block, group in (_block_groups(model, layers) if _SEQUENTIAL else [(None, layers)]):
        if _SEQUENTIAL:
            stats = _statistics(model, calib, group, device, need, stop=block, cache=False) if need \
                else {n: {} for n in group}
        for name, layer in group.items():
            _prune_layer(name, layer, names, stats, sparsity, pattern, per_layer.get(name), update_inputs)
