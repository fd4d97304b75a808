"""Move calibration data through a model one decoder block at a time.

The SparseGPT/Wanda recipe: run the calibration windows up to the first block, then for each block
in order (1) collect statistics of the inputs of its linear layers, (2) prune the block, (3) run the
pruned block again to get the inputs of the next block. Only one block's activations live at a time.

Published code captures the first block's inputs by replacing it with a module that stores
``(inps, attention_mask)`` and raises. From transformers 4.45 on, decoder blocks also need the
rotary ``position_embeddings`` (and other keyword arguments) that the model computes once and
passes in, which is where that code breaks. Here a forward pre-hook captures *every* positional
and keyword argument the model passes to block 0, and the same arguments are replayed for every block.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from torch import nn

from harness.core.sparsity import blocks_prefix, decoder_blocks


class _Captured(Exception):
    """Raised by the pre-hook to stop the forward pass once block 0's inputs are known."""


@dataclass
class BlockInputs:
    """hidden: [nsamples, seqlen, hidden] inputs of the current block; kwargs: replayed for every block.

    ``kwargs`` were captured for one micro-batch; rotary embeddings and masks broadcast over the
    batch dimension, so the same dict serves every micro-batch of the same length.
    """
    hidden: torch.Tensor
    kwargs: dict


def _block_output(out) -> torch.Tensor:
    # transformers < 5 returns a tuple from decoder layers, >= 5 a tensor.
    return out[0] if isinstance(out, (tuple, list)) else out


@torch.no_grad()
def capture_block_inputs(model: nn.Module, calib: torch.Tensor, device, batch_size: int = 8,
                         dtype: torch.dtype | None = None) -> BlockInputs:
    """Run ``calib`` [nsamples, seqlen] up to block 0 and return its inputs and keyword arguments."""
    block0 = decoder_blocks(model)[0]
    captured: dict = {}

    def hook(_module, args, kwargs):
        captured.setdefault("hidden", []).append(args[0] if args else kwargs["hidden_states"])
        if "kwargs" not in captured:
            captured["kwargs"] = {k: v for k, v in kwargs.items() if k != "hidden_states"}
        raise _Captured

    handle = block0.register_forward_pre_hook(hook, with_kwargs=True)
    try:
        for start in range(0, calib.shape[0], batch_size):
            try:
                model(input_ids=calib[start:start + batch_size].to(device), use_cache=False)
            except _Captured:
                pass
    finally:
        handle.remove()
    hidden = torch.cat(captured["hidden"])
    kwargs = captured["kwargs"]
    kwargs["use_cache"] = False
    for key in ("past_key_value", "past_key_values", "cache"):
        kwargs.pop(key, None)
    return BlockInputs(hidden.to(dtype) if dtype else hidden, kwargs)


@torch.no_grad()
def run_block(block: nn.Module, inputs: BlockInputs, batch_size: int = 8) -> torch.Tensor:
    """Outputs [nsamples, seqlen, hidden] of ``block`` on every calibration window."""
    out = torch.empty_like(inputs.hidden)
    for start in range(0, inputs.hidden.shape[0], batch_size):
        x = inputs.hidden[start:start + batch_size]
        out[start:start + batch_size] = _block_output(block(x, **inputs.kwargs))
    return out


@contextmanager
def input_hooks(layers: dict[str, nn.Linear], observe: Callable[[str, torch.Tensor], None]) -> Iterator[None]:
    """Call ``observe(name, x)`` with the input [batch, seqlen, in_features] of each layer on every forward."""
    handles = [layer.register_forward_hook(lambda _m, args, _out, name=name: observe(name, args[0]))
               for name, layer in layers.items()]
    try:
        yield
    finally:
        for h in handles:
            h.remove()


def linear_layers(block: nn.Module, prefix: str) -> dict[str, nn.Linear]:
    """The ``nn.Linear`` modules of one block, named as in :func:`harness.core.sparsity.prunable_layers`."""
    return {f"{prefix}.{name}": m for name, m in block.named_modules() if isinstance(m, nn.Linear)}


@torch.no_grad()
def blockwise(model: nn.Module, calib: torch.Tensor, device, *, begin: Callable[[], object],
              observe: Callable[[object, str, torch.Tensor], None],
              prune_block: Callable[[object, dict[str, nn.Linear]], None], batch_size: int = 8) -> None:
    """The calibrate-prune-propagate loop shared by Wanda and SparseGPT.

    For each block: ``state = begin()``; a forward pass over all windows calls
    ``observe(state, layer_name, x)`` for each linear layer's input; then ``prune_block(state, layers)``;
    then the pruned block's outputs become the next block's inputs.
    """

    prefix = blocks_prefix(model)
    inputs = capture_block_inputs(model, calib, device, batch_size)
    for index, block in enumerate(decoder_blocks(model)):
        layers = linear_layers(block, f"{prefix}.{index}")
        state = begin()
        with input_hooks(layers, lambda name, x: observe(state, name, x)):
            run_block(block, inputs, batch_size)
        prune_block(state, layers)
        inputs.hidden = run_block(block, inputs, batch_size)
        del state
