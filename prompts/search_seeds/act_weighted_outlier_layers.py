import torch


def score(weight, act_norm):
    return weight.abs() * act_norm.unsqueeze(0)


def allocate(importance, *, ratio=5.0, strength=4.0):
    outliers = (importance > ratio * importance.mean()).float().mean()
    return -strength * float(outliers)
