"""Table 12 and Figure 6 (not in the paper): the discovery engine's finalists against the humans.

Selection happened on held-out (validation) windows; the numbers here are the reported test windows,
for each arm's best model-written program beside every human method that only chooses weights and
SparseGPT, which also updates them. A verdict says per level whether the machine is below all of the
weight-choosing humans; a difference inside the humans' seed-to-seed spread is a tie, and that spread
is not measured by this run (calibration seeds are one per run), so a margin smaller than it is no claim.
"""

from __future__ import annotations

import math

from harness.core.interface import Status
from harness.core.numbers import fmt_ppl
from .cells import NOT_RUN, fmt_level, job_cell
from .table import Table, make_table
from .view import Data

# Humans that only choose which weights to zero, as the search form does; SparseGPT also updates the rest.
CHOOSERS = ("magnitude", "wanda", "ria", "owl", "score-wanda")
UPDATERS = ("sparsegpt",)


def _ppl(d: Data, kind: str, method: str, level: float) -> float | None:
    j = d.index.get((kind, method, "unstructured", float(level)))
    return j.perplexity if j and j.status == Status.OK and j.perplexity else None


def search_verdict(machine: dict[float, float | None], humans: dict[str, dict[float, float | None]]) -> str:
    """One line per level: the machine's test perplexity against the best weight-choosing human there."""
    parts = []
    for lv, m in sorted(machine.items()):
        ranked = [(p[lv], h) for h, p in humans.items() if h in CHOOSERS and p.get(lv) is not None]
        if m is None or not ranked:
            parts.append(f"{fmt_level(lv)}: not comparable ({'no machine number' if m is None else 'no human number'})")
            continue
        best, who = min(ranked)
        ratio = m / best
        word = "below" if m < best else ("equal to" if m == best else "above")
        parts.append(f"{fmt_level(lv)}: {fmt_ppl(m)} is {word} {who}'s {fmt_ppl(best)} (x{ratio:.3f})")
    return "; ".join(parts)


def table_search(d: Data) -> list[Table]:
    tables = []
    for s in d.searches:
        levels = [float(lv) for lv in s["levels"]]
        arms = [(name, arm) for name, arm in s["arms"].items()] + ([("best-of-N", s["best_of_n"])] if s.get("best_of_n") else [])
        humans = {h: {lv: _ppl(d, "reference", h, lv) for lv in levels}
                  for h in (*CHOOSERS, *UPDATERS) if h in d.reference_methods}
        rows, verdicts = [], []
        for name, arm in arms:
            best = arm.get("best_generated")
            row = {"program": f"{name}: {best['id'] if best else 'none ran ok'}", "LLM calls": str(arm["calls"]),
                   "outcomes": ", ".join(f"{k} {v}" for k, v in sorted(arm["outcomes"].items())) or "none",
                   "held-out fitness": f"{best['fitness']:.4f}" if best else "none",
                   "tuned": ", ".join(f"{k}={v:.4g}" for k, v in (best or {}).get("tuned", {}).items()) or "-"}
            machine = {}
            for lv in levels:
                j = d.index.get(("candidate", best["id"], "unstructured", lv)) if best else None
                row[f"test ppl {fmt_level(lv)}"] = job_cell(j) if best else NOT_RUN
                machine[lv] = _ppl(d, "candidate", best["id"], lv) if best else None
            rows.append(row)
            if best:
                verdicts.append(f"{name}: {search_verdict(machine, humans)}")
        for h, p in humans.items():
            row = {"program": f"human: {h}" + (" (also updates kept weights)" if h in UPDATERS else ""),
                   "LLM calls": "-", "outcomes": "-", "held-out fitness": "-", "tuned": "-"}
            for lv in levels:
                row[f"test ppl {fmt_level(lv)}"] = fmt_ppl(p[lv]) if p[lv] is not None else NOT_RUN
            rows.append(row)
        cols = ["program", "LLM calls", "outcomes", "held-out fitness", "tuned", *[f"test ppl {fmt_level(lv)}" for lv in levels]]
        held = s.get("heldout") or {}
        notes = [f"Selected on {held.get('windows', '?')} held-out windows of {held.get('seqlen', '?')} tokens "
                 f"({held.get('source', '?')}); the perplexities are the reported test windows. Each arm's row is the "
                 "best program the model wrote (seeds excluded), its constants as tuned on the held-out windows.",
                 "Verdicts against the best weight-choosing human at each level (magnitude, Wanda, RIA, OWL, the "
                 "skeleton's |W|*act_norm): " + (" | ".join(verdicts) or "no arm produced a program that ran ok") + ".",
                 "The humans' seed-to-seed spread is not measured by this run: a margin smaller than it is a tie "
                 "(bench/results/humans-spread-smollm2-h100.md: Wanda 49.87-50.36 at 0.5 and 150.39-156.07 at 0.6 "
                 "at full scale)."]
        seeds = []
        for name, arm in arms:
            first = (arm.get("curve") or [[0, None, None]])[0][1]
            best = arm.get("best") or {}
            if first is not None and name != "best-of-N":
                who = f" ({best['id']})" if best.get("seed") else ""
                seeds.append(f"{name} {first:.4f}{who}")
        if seeds:
            notes.append("The best human seed's held-out fitness, where each arm started: " + "; ".join(seeds) + ".")
        if not s.get("best_of_n"):
            notes.append("No best-of-N control in this run ([search] best_of_n = false): nothing here says what "
                         "the same calls as independent samples would have found.")
        finalists = {a["best_generated"]["id"] for _, a in arms if a.get("best_generated")}
        jobs = [j for j in d.jobs if (j.kind == "reference" and j.method in humans) or j.method in finalists]
        tables.append(make_table("table12", f"Table 12: the discovery engine's finalists vs the humans "
                                 f"({s['generator']})", rows, cols, notes, jobs))
    return tables


def search_history(d: Data) -> dict[str, list[float | None]]:
    """Best model-written held-out fitness after each LLM call, per arm (index = calls), and each arm's best
    human seed as a one-point series (a level line: where the model's programs had to get to)."""
    out = {}
    for s in d.searches:
        for name, arm in [*s["arms"].items(), ("best-of-N", s.get("best_of_n"))]:
            if arm and arm.get("curve"):
                values = [None] * (arm["curve"][-1][0] + 1)
                for calls, _any, generated in arm["curve"]:
                    values[calls] = generated if generated is not None and math.isfinite(generated) else None
                out[name] = values
                seeds = arm["curve"][0][1]
                if seeds is not None and math.isfinite(seeds) and name != "best-of-N":
                    out[f"{name}: its best seed"] = [seeds]
    return out
