import torch


def score(weight, act_norm):
    return weight.abs() * act_norm.unsqueeze(0)
