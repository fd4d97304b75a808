"""Tables 7-9 (not in the paper): the run's summary, every job with its sparsity and time, and the cost
per working program of each generator."""

from __future__ import annotations

from collections import Counter

from harness.core.interface import Status
from .cells import NOT_RUN, fmt_level, fmt_num, job_cell
from .programs import candidate_labels, ok_candidates
from .table import Table, make_table
from .view import Data, pattern_rank


def table_summary(d: Data) -> Table:
    status = Counter(j.status for j in d.jobs)
    kinds = Counter(j.kind for j in d.jobs)
    rows = [
        {"Quantity": "model", "Value": d.model},
        {"Quantity": "dense perplexity", "Value": job_cell(d.dense)},
        {"Quantity": "dense evaluation seconds", "Value": fmt_num(d.dense.eval_seconds if d.dense else None, ".1f",
                                                               NOT_RUN if d.dense is None else "not measured")},
        {"Quantity": "jobs", "Value": ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) or "none"},
        {"Quantity": "job statuses", "Value": ", ".join(f"{n} {s}" for s, n in sorted(status.items())) or "none"},
        {"Quantity": "generated programs", "Value": str(len(d.candidates))},
        {"Quantity": "evolution programs", "Value": f"{len(d.evolution_programs)} (Table 10; not counted above)"},
        {"Quantity": "generators", "Value": ", ".join(d.generators) or "none"},
    ]
    notes = []
    if d.other_models:
        notes.append(f"The store also holds jobs of {', '.join(d.other_models)}; this report covers {d.model} only "
                     f"(choose with --model).")
    if d.superseded:
        notes.append(f"{d.superseded} older job row(s) with the same method, level and pattern under another setup "
                     f"were superseded by the newest one.")
    return make_table("table7", "Table 7 (extra): Dense model and run summary", rows, ["Quantity", "Value"], notes,
                  [d.dense] if d.dense else [])


def table_jobs(d: Data) -> Table:
    labels = candidate_labels(d)
    order = {"dense": 0, "reference": 1, "candidate": 2}
    jobs = sorted(d.jobs, key=lambda j: (order.get(j.kind, 3), j.method, pattern_rank(j.pattern), j.sparsity))
    rows = []
    for j in jobs:
        ps, es = j.prune_seconds, j.eval_seconds
        wall = None if ps is None and es is None else (ps or 0.0) + (es or 0.0)
        rows.append({"Kind": j.kind, "Method": labels.get(j.method, j.method), "Pattern": j.pattern,
                     "Level": fmt_level(j.sparsity), "Status": j.status,
                     "Achieved sparsity": fmt_num(j.achieved_sparsity, ".4f"),
                     "Perplexity": job_cell(j), "Prune s": fmt_num(ps, ".1f"), "Eval s": fmt_num(es, ".1f"),
                     "Wall s": fmt_num(wall, ".1f")})
    cols = ["Kind", "Method", "Pattern", "Level", "Status", "Achieved sparsity", "Perplexity", "Prune s", "Eval s", "Wall s"]
    if not rows:
        rows = [{c: NOT_RUN for c in cols}]
    return make_table("table8", "Table 8 (extra): Every job: achieved sparsity and wall time", rows, cols,
                  ["Achieved sparsity: zeros / prunable weights after the trusted validation; 'not measured' where the "
                   "job failed before validation. Wall s = prune + evaluation seconds."], jobs)


def _sum_or_unknown(values, spec: str) -> tuple[str, float | None]:
    vals = list(values)
    if not vals:
        return format(0, spec), 0.0
    known = [v for v in vals if v is not None]
    if not known:
        return "unknown", None
    total = sum(known)
    if len(known) < len(vals):
        return f"{format(total, spec)} + unknown ({len(vals) - len(known)} of {len(vals)} unrecorded)", None
    return format(total, spec), total


def table_cost(d: Data) -> Table:
    rows = []
    working_ids = {c.id for c in ok_candidates(d)}
    for g in d.generators:
        cs = [c for c in d.candidates if c.generator == g]
        n_work = sum(c.id in working_ids for c in cs)
        toks = [None if c.prompt_tokens is None and c.completion_tokens is None
                else (c.prompt_tokens or 0) + (c.completion_tokens or 0) for c in cs]
        tok_text, tok_total = _sum_or_unknown(toks, "d")
        usd_text, usd_total = _sum_or_unknown([c.cost_usd for c in cs], ".4f")
        lat_text, _ = _sum_or_unknown([c.latency_s for c in cs], ".1f")
        run_s = sum((j.prune_seconds or 0) + (j.eval_seconds or 0)
                    for c in cs for j in d.cand_jobs.get(c.id, []))

        def per(total, spec):
            if n_work == 0:
                return "no working candidate"
            return "unknown" if total is None else format(total / n_work, spec)
        rows.append({"Generator": g, "Programs": str(len(cs)),
                     "Generated ok": str(sum(c.status == Status.OK for c in cs)),
                     "Working": str(n_work), "Total tokens": tok_text, "Cost USD": usd_text,
                     "Generation s": lat_text, "Run wall s": f"{run_s:.1f}",
                     "Tokens per working": per(tok_total, ".0f"), "USD per working": per(usd_total, ".4f")})
    cols = ["Generator", "Programs", "Generated ok", "Working", "Total tokens", "Cost USD", "Generation s",
            "Run wall s", "Tokens per working", "USD per working"]
    if not rows:
        rows = [{c: "no generated program in the store" if c == "Generator" else "0" for c in cols}]
    notes = ["Programs counts every generated program, repairs included. Working: at least one level ran ok "
             "(as in Table 5). 'unknown' where the provider reported no cost or tokens."]
    used = [j for c in d.candidates for j in d.cand_jobs.get(c.id, [])]
    return make_table("table9", "Table 9 (extra): Cost per working algorithm, per generator model", rows, cols, notes, used)
