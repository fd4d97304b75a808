"""The score form's example (harness.run.forms.SCORE_EXAMPLE, |W|) in prunegen's fixed skeleton, exactly the
candidate file a score-form copy of it would be: per-row |W| as the score form gets it for free. Below the
docstring, byte for byte FORMS["score"].assemble(SCORE_EXAMPLE) (tests/test_reference_pruners.py checks).
"""

import torch


def score(weight, act_norm, grad):
    return weight.abs()


# --------------------------------------------------------------------------------------------------
# Above: the model's `score`. Below: prunegen's fixed skeleton (prompts/score_skeleton.py), the same for
# every score-form program; it turns `score` into the interface's `prune`.
# --------------------------------------------------------------------------------------------------
import torch as _torch


def _calibration_statistics(model, calib, layers, device):
    """Per prunable layer: act_norm [in_features], the L2 norm of each input feature over every
    calibration token (Wanda's ||X_j||_2), and grad [out_features, in_features], dL/dW of the
    language-modelling loss averaged over the calibration sequences (float32)."""
    sq = {n: _torch.zeros(l.in_features, dtype=_torch.float32, device=l.weight.device) for n, l in layers.items()}
    grad = {n: _torch.zeros(l.weight.shape, dtype=_torch.float32, device=l.weight.device) for n, l in layers.items()}

    def hook(name):
        def add(module, inputs, output):
            x = inputs[0].detach().float().reshape(-1, inputs[0].shape[-1])
            sq[name] += (x * x).sum(dim=0)
        return add

    handles = [l.register_forward_hook(hook(n)) for n, l in layers.items()]
    try:
        for i in range(calib.shape[0]):
            x = calib[i:i + 1].to(device)
            model(x, labels=x).loss.backward()
            for n, l in layers.items():
                grad[n] += l.weight.grad.float()
            model.zero_grad(set_to_none=True)
    finally:
        for h in handles:
            h.remove()
    return {n: s.sqrt() for n, s in sq.items()}, {n: g / calib.shape[0] for n, g in grad.items()}


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    act_norm, grad = _calibration_statistics(model, calib, layers, device)
    for name, layer in layers.items():
        w = layer.weight.data
        s = score(w.float().clone(), act_norm[name].clone(), grad[name].clone())
        if not isinstance(s, _torch.Tensor) or tuple(s.shape) != tuple(w.shape):
            raise ValueError(f"score() must return a tensor of the weight's shape {tuple(w.shape)} for {name}, "
                             f"got {type(s).__name__} {tuple(getattr(s, 'shape', ()))}")
        s = s.detach().to(device=w.device, dtype=_torch.float32)
        if _torch.isnan(s).any():
            raise ValueError(f"score() returned NaN for {name}")
        if pattern == "unstructured":   # the lowest scores of every output row, as Wanda compares
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
