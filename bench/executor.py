"""Per-sweep overhead and throughput of the Ray executor against the local one (CPU).

A tiny random Llama (the test suite's), N copies of the magnitude pruner as "candidates" at two
levels each, the process sandbox (so Docker start-up does not hide the executor's own cost):

    python bench/executor.py --sweeps 8

Prints wall time per configuration (local and Ray, 1 and 2 workers), seconds per sweep, and the
ratios Ray / local and 2 workers / 1 worker. Ray's figure includes starting its actors (each loads
the model once), not starting Ray itself (timed separately).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sweeps", type=int, default=8)
    args = ap.parse_args()

    from conftest import make_tiny_llama
    from harness.run import pipeline
    from harness.run.config import load_config
    from reference_pruners import method_path

    tmp = Path(tempfile.mkdtemp(prefix="prunegen-bench-executor-"))
    model = make_tiny_llama(tmp / "tiny")
    text = tmp / "text.txt"
    text.write_text("The quick brown fox jumps over the lazy dog. " * 200)
    cfg_path = tmp / "bench.toml"
    cfg_path.write_text(f'''[run]
out = "{tmp}/run"
[model]
specs = ["{model}"]
[eval]
source = "text:{text}"
seqlen = 32
max_windows = 2
prompt = ""
[calibration]
source = "text:{text}"
nsamples = 4
seqlen = 32
[sparsity]
levels = [0.3, 0.6]
[generation]
ideas = []
[sandbox]
backend = "process"
timeout_s = 120
memory = "2g"
[references]
methods = []
''')
    cands = [{"id": f"magnitude-{i}", "status": "ok", "path": str(method_path("magnitude")), "idea": "magnitude",
              "generator": "bench", "sample": i, "round": 0} for i in range(args.sweeps)]
    pipeline.generate_candidates = lambda *a, **k: list(cands)

    import ray
    t = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    print(f"ray.init: {time.perf_counter() - t:.1f} s (not counted below)")
    results = {}
    for executor in ("local", "ray"):
        for workers in (1, 2):
            out = tmp / f"run-{executor}-{workers}"
            cfg = load_config(cfg_path, [f"run.executor={executor}", f"run.workers={workers}", f'run.out="{out}"'])
            t = time.perf_counter()
            pipeline.run(cfg, echo=lambda *_: None)
            results[executor, workers] = wall = time.perf_counter() - t
            print(f"{executor:>5} x{workers}: {wall:6.1f} s for {args.sweeps} sweeps ({wall / args.sweeps:.2f} s/sweep)",
                  flush=True)
    ray.shutdown()
    for w in (1, 2):
        print(f"ray / local, {w} worker(s): {results['ray', w] / results['local', w]:.2f}x")
    for ex in ("local", "ray"):
        print(f"{ex}: 2 workers / 1 worker: {results[ex, 2] / results[ex, 1]:.2f}x wall")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
