import torch


def score(weight, hinv_diag):
    return weight ** 2 / (hinv_diag.unsqueeze(0) + 1e-12)
