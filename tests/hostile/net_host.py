# expect: ok
"""Connects to a TCP server the test runs on the host (HOST_PORT is filled in by the test) through
the Docker bridge gateway and host.docker.internal, and to the Docker socket. Prunes only if all fail."""
import os
import socket

import torch

def _magnitude(layers, sparsity):
    for layer in layers.values():
        w = layer.weight.data
        k = int(round(w.numel() * sparsity))
        threshold = torch.kthvalue(w.abs().flatten(), k).values
        w[w.abs() <= threshold] = 0

HOST_PORT = 0


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for host in ("172.17.0.1", "host.docker.internal", "127.0.0.1", "10.0.2.2"):
        try:
            socket.create_connection((host, HOST_PORT), timeout=2).close()
        except OSError:
            continue
        raise RuntimeError(f"LEAK: reached the host at {host}:{HOST_PORT}")
    if os.path.exists("/var/run/docker.sock"):
        raise RuntimeError("LEAK: the Docker socket is visible")
    _magnitude(layers, sparsity)
