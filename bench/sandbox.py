"""Per-job overhead of the Docker sandbox against running the same pruner in-process.

    python bench/sandbox.py [--model smollm2-135m] [--sparsity 0.5] [--repeat 3] [--backend docker]

The pruner is the magnitude example of prompts/interface.md. In-process: the model is already loaded
(as a harness that keeps it in memory would), so its time is the prune call alone; the load is shown
separately. Sandbox: everything the host spends on one job, split into phases:
  prepare   host reads the prunable names and dense tensors, writes the job input
  image     find (or build) the image
  start     create + start the container
  ready     interpreter start + imports + weight load inside (until the runner's ready file)
  run       from container start to exit (includes ready, the prune and writing the tensors)
  teardown  logs tail + remove the container
  collect   trusted validation of the returned tensors
Overhead = sandbox total - in-process prune time. Target: <= 2 s per job on CPU.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from harness.core.interface import call_prune, interface_document, load_candidate  # noqa: E402
from harness.core.models import load_model  # noqa: E402
from harness.core.sparsity import prunable_layers  # noqa: E402
from sandbox.api import run_candidate  # noqa: E402
from sandbox.job import SandboxJob  # noqa: E402
from sandbox.limits import SandboxLimits  # noqa: E402


def example_pruner(folder: Path) -> Path:
    doc = interface_document()
    code = re.findall(r"```python\n(.*?)```", doc.split("## A complete example", 1)[1], re.S)[0]
    path = folder / "magnitude.py"
    path.write_text(code)
    return path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--sparsity", default="0.5",
                    help="one level, or a comma list: a sweep shares one container and one weight load")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--backend", default="docker", choices=("docker", "process"))
    ap.add_argument("--memory", default="4g")
    args = ap.parse_args()
    levels = tuple(float(x) for x in args.sparsity.split(","))

    with tempfile.TemporaryDirectory() as tmp:
        cand = example_pruner(Path(tmp))
        t = time.perf_counter()
        lm = load_model(args.model)
        load_s = time.perf_counter() - t
        calib = torch.zeros(1, 16, dtype=torch.long)  # magnitude ignores it
        dense = {n: m.weight.detach().clone() for n, m in prunable_layers(lm.model).items()}
        fn = load_candidate(cand)
        inproc = []
        for _ in range(args.repeat):
            with torch.no_grad():
                for n, m in prunable_layers(lm.model).items():
                    m.weight.copy_(dense[n])
            t = time.perf_counter()
            for level in levels:
                call_prune(fn, lm.model, level, calib, layers=prunable_layers(lm.model))
            inproc.append(time.perf_counter() - t)
        job = SandboxJob(Path(lm.info.path), calib, levels)
        limits = SandboxLimits(memory=args.memory)
        runs = []
        for i in range(args.repeat + 1):  # the first run may build the image: reported, not averaged
            timings: dict = {}
            t = time.perf_counter()
            results = run_candidate(cand, job, limits, args.backend, timings=timings)
            total = time.perf_counter() - t
            for r in results:
                assert r.ok, (r.status, r.detail, r.stderr_tail[-2000:])
            r_seconds = sum(r.seconds for r in results)
            runs.append((total, r_seconds, timings))
            print(f"run {i}: total {total:.2f} s, prune (inside) {r_seconds:.2f} s, phases "
                  + ", ".join(f"{k} {v:.2f}" for k, v in timings.items() if isinstance(v, float)), flush=True)
    med = lambda xs: statistics.median(xs)  # noqa: E731
    steady = runs[1:]
    prune_in = med(inproc)
    total = med([r[0] for r in steady])
    print(f"\nmodel {args.model}, levels {levels}, backend {args.backend}, median of {len(steady)}")
    print(f"in-process: load {load_s:.2f} s (once), prune {prune_in:.2f} s")
    for k in ("prepare", "image", "start", "ready", "run", "teardown", "collect"):
        vals = [r[2][k] for r in steady if isinstance(r[2].get(k), float)]
        if vals:
            print(f"  sandbox {k:<9} {med(vals):6.2f} s")
    prune_inside = med([r[1] for r in steady])
    print(f"sandbox total {total:.2f} s (prune inside {prune_inside:.2f} s)")
    n = len(levels)
    print(f"overhead per sweep of {n} level(s) vs in-process prune: {total - prune_in:.2f} s; "
          f"ratio {total / prune_in:.1f}x")
    print(f"overhead per job (one level of the sweep): {(total - prune_in) / n:.2f} s  (target <= 2 s)")
    print(f"overhead per job vs in-process load + prune: {total - prune_in - load_s:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
