#!/usr/bin/env python
"""Candidates evaluated per hour by a search run (issue 19, item 2), read from its store.

    python bench/search_throughput.py RUN_DIR [--md OUT.md]

Each search candidate row (an arm's child, a best-of-N sample, a human seed) is stored when its cascade
ends; its time is the gap to the row stored before it (any candidate or job of the run), so it holds the
LLM call and every sandbox run the cascade paid for. The LLM's share is the reply's latency, 0 for a reply
that came from the response cache (a replay; rows stored before the ``cached`` flag count their recorded
latency, so their cascade share is a lower bound). Printed per arm and in all: candidates, how far they
got in the cascade (static / probe / quick / full), seconds, and candidates per hour, with and without
the LLM. Times are the host's: say which host when quoting them.
"""

from __future__ import annotations

import argparse
import bisect
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness.run.store import ResultsStore  # noqa: E402

STAGES = ("static", "probe", "quick", "full")


def rows(run_dir: Path) -> list[dict]:
    """One dict per search candidate, in the order stored: arm, stage, status, seconds, llm_seconds."""
    with ResultsStore(run_dir / "results.sqlite") as store:
        cands = store.candidates()
        stamps = sorted([c.finished_at for c in cands if c.finished_at] +
                        [r.finished_at for r in store.rows() if r.finished_at])
    out = []
    for c in sorted((c for c in cands if c.extra.get("mode", "").startswith("search") and c.finished_at),
                    key=lambda c: c.finished_at):
        i = bisect.bisect_left(stamps, c.finished_at)
        if i == 0:
            continue                     # nothing stored before it: its start is unknown
        seconds = c.finished_at - stamps[i - 1]
        cached = c.extra.get("cached")
        llm = 0.0 if cached or c.latency_s is None else float(c.latency_s)
        out.append({"id": c.id, "arm": c.extra.get("arm", "?"), "seed": c.extra.get("mode") == "search-seed",
                    "stage": c.extra.get("stage") or "no-code", "status": c.extra.get("evaluation") or c.status,
                    "seconds": seconds, "llm_seconds": min(llm, seconds),
                    "cached": cached, "sandbox_runs": c.extra.get("sandbox_runs") or 0})
    return out


def table(items: list[dict]) -> list[str]:
    groups = defaultdict(list)
    for r in items:
        groups["seeds" if r["seed"] else r["arm"]].append(r)
    groups["all model-written"] = [r for r in items if not r["seed"]]
    lines = ["| group | candidates | reached static / probe / quick / full | sandbox runs | seconds | LLM s | "
             "cascade s | per hour | per hour, cascade only |", "|---|---|---|---|---|---|---|---|---|"]
    for name, rs in groups.items():
        if not rs:
            continue
        n = len(rs)
        secs = sum(r["seconds"] for r in rs)
        llm = sum(r["llm_seconds"] for r in rs)
        stage = Counter(r["stage"] for r in rs)
        reached = " / ".join(str(stage.get(s, 0)) for s in STAGES)
        casc = secs - llm
        lines.append(f"| {name} | {n} | {reached} | {sum(r['sandbox_runs'] for r in rs)} | {secs:.0f} | {llm:.0f} | "
                     f"{casc:.0f} | {3600 * n / secs:.1f} | {3600 * n / casc if casc > 0 else float('inf'):.1f} |")
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run_dir", type=Path)
    ap.add_argument("--md", type=Path, help="also write the table here")
    args = ap.parse_args()
    items = rows(args.run_dir)
    if not items:
        print(f"{args.run_dir}: no search candidates stored", file=sys.stderr)
        return 1
    cached = sum(1 for r in items if r["cached"])
    unknown = sum(1 for r in items if r["cached"] is None and not r["seed"])
    lines = [f"# Search throughput: {args.run_dir.name}", "",
             f"{len(items)} candidates; replies from the response cache: {cached}; "
             f"rows without the cached flag (LLM time = recorded latency): {unknown}.", "", *table(items)]
    print("\n".join(lines))
    if args.md:
        args.md.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
