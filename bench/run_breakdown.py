"""Where a run's time went: wall time, and its shares in sandbox start, pruning, scoring and the rest.

    python bench/run_breakdown.py RUN_DIR [--log LOG]

Read from the run's store (each job row's prune and eval seconds; each sweep's host-observed sandbox
phases, ``extra.sweep_sandbox_seconds``, recorded once per sweep) and its newest log (first and last
timestamps: the wall time of that invocation). Sandbox start is container/process start plus the
interpreter, imports and weight load inside (``start`` + ``ready``); pruning is the candidate's own
``prune`` calls; scoring is perplexity plus the continuation; the rest of the wall is the model load,
calibration, generation, writing and validating tensors, and the report.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness.run.store import ResultsStore  # noqa: E402


def _stamp(line: str) -> float:
    return dt.datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f").timestamp()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run_dir", type=Path)
    ap.add_argument("--log", type=Path, help="default: the newest RUN_DIR/logs/run-*.log")
    args = ap.parse_args()
    log = args.log or max((args.run_dir / "logs").glob("run-*.log"))
    lines = [ln for ln in log.read_text(encoding="utf-8").splitlines() if ln[:4].isdigit()]
    wall = _stamp(lines[-1]) - _stamp(lines[0])
    with ResultsStore(args.run_dir / "results.sqlite") as store:
        rows = store.rows()
    prune = sum(r.prune_seconds or 0 for r in rows if r.kind != "dense")
    score = sum(r.eval_seconds or 0 for r in rows)
    sweeps = {}
    for r in rows:   # one phases dict per sweep, repeated on each of its rows
        ph = r.extra.get("sweep_sandbox_seconds")
        if ph:
            sweeps[(r.kind, r.method, r.pattern, tuple(sorted(ph.items())))] = ph
    start = sum((p.get("start") or 0) + (p.get("ready") or 0) for p in sweeps.values())
    print(f"run {args.run_dir} (log {log.name}): {len(rows)} jobs, {len(sweeps)} sweeps with sandbox timings")
    print(f"wall {wall:9.1f} s")
    for name, sec in (("sandbox start (start + ready)", start), ("pruning (prune calls)", prune),
                      ("scoring (perplexity + continuation)", score)):
        print(f"  {name:38s} {sec:9.1f} s  {100 * sec / wall:5.1f}%")
    rest = wall - start - prune - score
    print(f"  {'rest (load, calibration, tensors, report)':38s} {rest:9.1f} s  {100 * rest / wall:5.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
