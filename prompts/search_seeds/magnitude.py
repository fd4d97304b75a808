import torch


def score(weight):
    return weight.abs()
