"""``prunegen sandbox build`` and ``prunegen sandbox run``: one candidate, one job, in the sandbox."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from .limits import SandboxLimits


def cmd_build(args) -> int:
    from .image import docker_client, ensure_image, host_layout

    tag = ensure_image(docker_client(), host_layout(), force=args.force)
    print(tag)
    return 0


def _levels(text: str) -> tuple[float, ...]:
    levels = tuple(float(x) for x in text.split(",") if x.strip())
    if not levels or not all(0 < s < 1 for s in levels):
        raise argparse.ArgumentTypeError(f"sparsity must be one or more comma-separated values in (0, 1), got {text!r}")
    return levels


def cmd_run(args) -> int:
    from harness.core.data import calibration
    from harness.core.models import load_model
    from harness.core.sparsity import pattern_sparsity

    from .api import load_validated, run_candidate
    from .image import DockerUnavailable
    from .job import SandboxJob
    from .process_backend import warning

    if args.sandbox == "process":
        print(f"prunegen sandbox: *** {warning()} ***", file=sys.stderr)
    lm = load_model(args.model, dtype=args.dtype)
    calib = calibration(lm.tokenizer, args.calib, nsamples=args.nsamples, seqlen=args.calib_seqlen, seed=args.seed)
    levels = tuple(pattern_sparsity(args.pattern, s) for s in args.sparsity)
    job = SandboxJob(Path(lm.info.path), calib.ids, levels, args.pattern, args.seed, "cuda" if args.gpus else "cpu",
                     args.dtype)
    limits = SandboxLimits(timeout_s=args.timeout, memory=args.memory, cpus=args.cpus, gpus=args.gpus,
                           image=args.image)
    with tempfile.TemporaryDirectory(prefix="prunegen-validated-") as keep:
        try:
            results = run_candidate(args.candidate, job, limits, args.sandbox,
                                    keep_dir=Path(keep) if args.score else None)
        except DockerUnavailable as e:
            print(f"prunegen sandbox: error: {e}", file=sys.stderr)
            return 3
        rows = []
        for r in results:
            row = {**r.as_dict(), "stderr_tail": r.stderr_tail[-2000:]}
            row.pop("weights_path")
            if args.score and r.ok:
                from harness.core.evaluate import EvalSetup, evaluate
                load_validated(lm.model, r)  # replaces every prunable tensor: no leftovers of a previous level
                ev = evaluate(lm, EvalSetup(args.data, args.eval_seqlen, args.max_windows))
                row["perplexity"] = ev.result.perplexity
                row["eval_windows"] = ev.result.windows
                row["fingerprint_digest"] = ev.fingerprint.digest
            rows.append(row)
    if args.json:
        out = dict(rows[0]) if len(rows) == 1 else {
            "status": _overall(rows), "achieved_sparsity": [r["achieved_sparsity"] for r in rows],
            "seconds": sum(r["seconds"] for r in rows), "detail": "; ".join(f"{r['level']:g}: {r['detail']}" for r in rows)}
        out.update({"candidate": str(args.candidate), "model": args.model, "pattern": args.pattern,
                    "backend": args.sandbox, "levels": rows})
        print(json.dumps(out))
    else:
        for row in rows:
            ppl = f", perplexity {row['perplexity']:.4f}" if "perplexity" in row else ""
            ach = f"{row['achieved_sparsity']:.4%}" if row["achieved_sparsity"] is not None else "n/a"
            print(f"sparsity {row['level']:g} {args.pattern}: {row['status']} (achieved {ach}, {row['seconds']:.2f} s"
                  f"{ppl}) {row['detail']}")
            if row["status"] != "ok" and row["stderr_tail"].strip():
                print("  " + "\n  ".join(row["stderr_tail"].strip().splitlines()[-8:]))
    return 0 if all(r["status"] == "ok" for r in rows) else 1


def _overall(rows: list[dict]) -> str:
    bad = [r["status"] for r in rows if r["status"] != "ok"]
    return bad[0] if bad else "ok"


def register(sub) -> None:
    p = sub.add_parser("sandbox", help="run a candidate pruner in the locked-down sandbox")
    ss = p.add_subparsers(dest="sandbox_command", required=True)

    b = ss.add_parser("build", help="build (or find) the offline sandbox image")
    b.add_argument("--force", action="store_true", help="rebuild even if the image exists")
    b.set_defaults(func=cmd_build)

    r = ss.add_parser("run", help="run one candidate file for one job and print the trusted result")
    r.add_argument("candidate", type=Path, help="the candidate's Python file (defines prune)")
    r.add_argument("--model", default="smollm2-135m", help="model spec (built-in name, .gguf, HF dir, hub id)")
    r.add_argument("--dtype", default="float32")
    r.add_argument("--sparsity", type=_levels, required=True, help="one level or several, comma-separated: 0.5,0.6")
    r.add_argument("--pattern", default="unstructured", help="unstructured or N:M such as 2:4")
    r.add_argument("--timeout", type=float, default=600.0, help="wall-clock seconds per level (default 600)")
    r.add_argument("--memory", default="8g", help="memory limit, no swap (default 8g)")
    r.add_argument("--cpus", type=float, default=2.0)
    r.add_argument("--gpus", default=None, help="'all' or device ids: GPU passthrough (CUDA hosts)")
    r.add_argument("--image", default=None, help="use this image (built from sandbox/Dockerfile) instead of the offline one")
    r.add_argument("--sandbox", choices=("docker", "process"), default="docker",
                   help="docker (default) or process: a subprocess with rlimits, WEAKER isolation")
    r.add_argument("--calib", default="c4", help="calibration source: c4, wikitext2 or text:PATH")
    r.add_argument("--nsamples", type=int, default=128)
    r.add_argument("--calib-seqlen", type=int, default=2048)
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--score", action="store_true", help="also score validated weights (perplexity, outside the sandbox)")
    r.add_argument("--data", default="wikitext2", help="evaluation text for --score")
    r.add_argument("--eval-seqlen", type=int, default=2048)
    r.add_argument("--max-windows", type=int, default=None)
    r.add_argument("--json", action="store_true", help="print one JSON object")
    r.set_defaults(func=cmd_run)
