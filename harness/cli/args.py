"""Argument groups that several ``prunegen`` subcommands share: which model to load, how to score it.

They live apart from ``harness.cli.main`` so that a stage's own ``register`` (``baseline``) can add them
without importing the command that imports it.
"""

from __future__ import annotations

import argparse

from harness.core.models import DEFAULT_MODEL


def add_model_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", default=DEFAULT_MODEL, help=f"model spec (default {DEFAULT_MODEL}): built-in name, .gguf file, HF dir or hub id")
    p.add_argument("--device", default="cpu", help="cpu or cuda[:N]")
    p.add_argument("--dtype", default="float32", help="float32, bfloat16 or float16")


def add_eval_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", default="wikitext2", help="evaluation text: wikitext2 or text:PATH")
    p.add_argument("--seqlen", type=int, default=2048)
    p.add_argument("--max-windows", type=int, default=None, help="score only the first N windows (fast CPU runs)")
    p.add_argument("--batch-size", type=int, default=1)
    p.add_argument("--compile", action="store_true", help="torch.compile the model body (GPU; ~30 s once)")
