# expect: ok
"""Opens sockets to the internet (an IP and a DNS name). Prunes only if every attempt failed, so
`ok` proves the network was unreachable; a connection would raise and give runtime-error."""
import socket

import torch

def _magnitude(layers, sparsity):
    for layer in layers.values():
        w = layer.weight.data
        k = int(round(w.numel() * sparsity))
        threshold = torch.kthvalue(w.abs().flatten(), k).values
        w[w.abs() <= threshold] = 0


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for host, port in (("1.1.1.1", 80), ("8.8.8.8", 53), ("example.com", 443)):
        try:
            socket.create_connection((host, port), timeout=2).close()
        except OSError:
            continue
        raise RuntimeError(f"LEAK: connected to {host}:{port}")
    _magnitude(layers, sparsity)
