import torch


def score(weight, act_norm, *, power=0.5):
    w = weight.abs()
    relative = w / (w.sum(dim=1, keepdim=True) + 1e-12) + w / (w.sum(dim=0, keepdim=True) + 1e-12)
    return relative * act_norm.unsqueeze(0) ** power
