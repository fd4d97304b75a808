"""The ``prunegen`` command. Each subcommand is a thin shell over one module."""

from __future__ import annotations

import argparse
import json
import sys

from .args import add_eval_args, add_model_args


def cmd_eval(args) -> int:
    from harness.core.evaluate import EvalSetup, evaluate
    from harness.core.models import load_model

    lm = load_model(args.model, dtype=args.dtype, device=args.device)
    ev = evaluate(lm, EvalSetup(args.data, args.seqlen, args.max_windows, args.batch_size, args.compile))
    if args.json:
        print(json.dumps({**ev.as_dict(), "load_seconds": lm.info.load_seconds}))
    else:
        r = ev.result
        print(f"{args.model}: perplexity {r.perplexity:.4f} over {r.windows} windows x {r.seqlen} tokens "
              f"({r.tokens_per_second:,.0f} tokens/s, {r.seconds:.1f} s; load {lm.info.load_seconds:.1f} s) "
              f"[fingerprint {ev.fingerprint.digest}]")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="prunegen", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("eval", help="dense perplexity of a model")
    add_model_args(p)
    add_eval_args(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_eval)

    # Each later stage registers its own subcommands next to its code.
    for register in _registrars():
        register(sub)
    return parser


def _registrars():
    """``register(subparsers)`` of each stage module, in pipeline order."""
    from sandbox import cli as sandbox_cli

    from harness.run import zeroshot

    from . import baseline, export_model, generate, report, run
    return [generate.register, baseline.register, sandbox_cli.register, run.register, report.register,
            export_model.register, zeroshot.register]


def main(argv: list[str] | None = None) -> int:
    from sandbox.image import DockerUnavailable

    from harness.core.data import DataError
    from harness.core.models import ModelResolutionError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (DataError, ModelResolutionError, DockerUnavailable, ValueError) as e:
        print(f"prunegen {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"prunegen {args.command}: interrupted; every finished job is in the store, and the same "
              "command resumes from there", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
