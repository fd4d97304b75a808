# prunegen candidate: machine-written, not reviewed by a person.
# idea: variational-dropout (Variational-dropout pruning)
# model: qwen2.5-coder-1.5b (provider local), sample 0
# prompt: template user, sha256 dc1173c02f379d3155912507a64e075cbc15e43df9a3661f16f4613cec9b26eb
# date: 2026-12-02T17:59:21Z
# params: {"max_tokens": 1024, "reasoning_effort": null, "seed": null, "temperature": 0.8, "top_p": null}
# extraction: ok: fenced block 1 of 1 (python)

import torch
from typing import *
import math


def prune(model, sparsity: float, calib, *, pattern="unstructured", device="cpu", layers=None):
    for name, layer in layers.items():
        w = layer.weight.data                       # [out_features, in_features]
        log_alpha = torch.zeros_like(w)

        # Estimate dropout rates from calibration data
        with torch.no_grad():
            for i in range(calib.shape[0]):
                model.calibrate(calib[i:i+1].to(device), labels=calib[i:i+1].to(device))
                loss = model(x, labels=x).loss
                log_alpha += math.log(2) - math.log(loss)

        # Prune weights based on dropout rates
        mask = torch.exp(log_alpha.view(-1, 1)) > sparsity
        w[mask] = 0
