# expect: interface-mismatch
"""prune takes the wrong parameters."""


def prune(model):
    pass
