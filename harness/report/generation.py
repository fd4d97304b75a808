"""Tables 4, 4b and 4c: how the one-pass programs ended (generation, run, repair), and pass@k / fix@r."""

from __future__ import annotations

from collections import Counter

from harness.core.interface import Status
from harness.run.store import CandidateRecord, JobRow
from .cells import NOT_RUN, fmt_level, one_line
from .programs import (SCORED, VALID_LEVEL, example_copies, idea_numbers, is_collapsed_job, methods_in_effect,
                       not_original, validity_job)
from .table import Table, make_table
from .view import Data


def _first_failure(jobs: list[JobRow]) -> JobRow | None:
    """The job that names a candidate's run status: the first non-ok job that is not a mere skip."""
    bad = [j for j in jobs if j.status != Status.OK]
    real = [j for j in bad if j.status != Status.SKIPPED]
    return (real or bad or [None])[0]


def run_outcome(d: Data, c: CandidateRecord) -> tuple[str, str, int, int]:
    """(run status, detail, ok jobs, jobs) of one candidate."""
    jobs = d.cand_jobs.get(c.id, [])
    n_ok = sum(j.status == Status.OK for j in jobs)
    if c.status not in (Status.OK, "not recorded"):
        return f"{NOT_RUN} (no program)", one_line(c.detail) or c.status, n_ok, len(jobs)
    if not jobs:
        return NOT_RUN, "no job in the store", 0, 0
    bad = _first_failure(jobs)
    if bad is None:
        return "ok", f"ok at {len(jobs)} level(s)", n_ok, len(jobs)
    where = f"at {fmt_level(bad.sparsity)}{'' if bad.pattern == 'unstructured' else ' ' + bad.pattern}"
    return bad.status, one_line(f"{where}: {bad.detail or bad.status}"), n_ok, len(jobs)


def outcome_category(d: Data, c: CandidateRecord) -> str:
    if c.status not in (Status.OK, "not recorded"):
        return c.status
    status = run_outcome(d, c)[0]
    return status


def table4(d: Data) -> list[Table]:
    numbers, starred = idea_numbers(d)
    first = [c for c in d.candidates if c.round == 0]
    first.sort(key=lambda c: (numbers[c.idea], c.idea, c.generator, c.sample))
    multi_sample = len({(c.idea, c.generator) for c in first}) < len(first)
    repairs = [c for c in d.candidates if c.round > 0]
    copies = example_copies(d)
    in_effect = methods_in_effect(d, copies)
    rows, used = [], []
    for c in first:
        run, detail, n_ok, n = run_outcome(d, c)
        gen = c.status
        row = {"Number": numbers[c.idea], "Core Idea": c.idea, "Generator": c.generator}
        if multi_sample:
            row["Sample"] = str(c.sample)
        row.update({"Generation": gen, "Run": run, "Levels ok": f"{n_ok}/{n}",
                    "Status": "OK" if gen in (Status.OK, "not recorded") and run == "ok" else "Error"})
        if repairs:
            row["After repair"] = _after_repair(d, c, repairs)
        if copies or in_effect:
            row["Example copy"] = ("yes" if c.id in copies else
                                   f"in effect: {in_effect[c.id]}" if c.id in in_effect else "no")
        row["Detail"] = detail
        rows.append(row)
        used += d.cand_jobs.get(c.id, [])
    cols = ["Number", "Core Idea", "Generator"] + (["Sample"] if multi_sample else []) + \
           ["Generation", "Run", "Levels ok", "Status"] + (["After repair"] if repairs else []) + \
           (["Example copy"] if copies or in_effect else []) + ["Detail"]
    notes = ["Generation: the one-pass (round 0) generation; Run: the first failing category over the candidate's "
             "jobs (a 'skipped' level counts only if nothing else failed), or ok; Levels ok: jobs that ran ok / jobs run."]
    if copies or in_effect:
        n_first = sum(c.id in copies for c in first)
        notes.append(f"Example copy: yes: the program is its prompt's example (the interface document's magnitude "
                     f"example, or the score form's |W|) again, up to comments, docstrings and local names "
                     f"(normalised AST); {n_first} of {len(first)} one-pass programs are. They run, but invent nothing.")
        n_effect = sum(c.id in in_effect for c in first)
        notes.append(f"in effect: M: other code, but at every level it was scored the model it returned is M's "
                     f"(the same zeros and kept weights where the store has their digests, else the same "
                     f"perplexity bit for bit); M is a prompt example (interface-example, score-example) or a "
                     f"reference method; {n_effect} of {len(first)} one-pass programs are.")
    if starred:
        notes.append("* numbered here: the idea has no number in the paper's Table 4.")
    if not rows:
        rows = [{c: "no generated program in the store" if c == "Core Idea" else NOT_RUN for c in cols}]
    t = make_table("table4", "Table 4: One pass code generation and effectiveness evaluation", rows, cols, notes, used)

    # extended: per generator, how the one-pass programs ended
    cats = [s.value for s in Status] + ["not recorded", f"{NOT_RUN}"]
    counts = {g: Counter() for g in d.generators}
    for c in first:
        cat = outcome_category(d, c)
        counts[c.generator][NOT_RUN if cat.startswith(NOT_RUN) else cat] += 1
    brows = []
    for cat in cats:
        if cat == "not recorded" and not any(counts[g][cat] for g in counts):
            continue
        r = {"Outcome": cat, **{g: str(counts[g][cat]) for g in d.generators},
             "All": str(sum(counts[g][cat] for g in d.generators))}
        brows.append(r)
    brows.append({"Outcome": "total", **{g: str(sum(counts[g].values())) for g in d.generators},
                  "All": str(len(first))})
    tb = make_table("table4b", "Table 4b (extended): outcome of one-pass programs by error category and generator",
                brows, ["Outcome", *d.generators, "All"],
                ["Each one-pass program is counted once: under its generation status if generation failed, "
                 "otherwise under its run status (Table 4's Run column)."], used)
    return [t, tb] + _table4b_per_idea(d, first, numbers)


def _table4b_per_idea(d: Data, first: list[CandidateRecord], numbers: dict[str, str]) -> list[Table]:
    """Why the one-pass programs of each idea fail: outcome counts per (idea, generator)."""
    if not first:
        return []
    counts: dict[tuple[str, str], Counter] = {}
    for c in first:
        cat = outcome_category(d, c)
        counts.setdefault((c.idea, c.generator), Counter())[NOT_RUN if cat.startswith(NOT_RUN) else cat] += 1
    seen = {cat for cnt in counts.values() for cat in cnt}
    cats = [c for c in ["ok", *(s.value for s in Status if s.value != "ok"), "not recorded", NOT_RUN] if c in seen]
    rows = []
    for (idea, gen), cnt in sorted(counts.items(), key=lambda kv: (numbers.get(kv[0][0], "~"), kv[0])):
        rows.append({"Idea": f"{numbers.get(idea, '')} {idea}".strip(), "Generator": gen,
                     **{cat: str(cnt[cat]) for cat in cats}, "Programs": str(sum(cnt.values()))})
    return [make_table("table4b_idea", "Table 4b (per idea): outcome of one-pass programs by idea and generator",
                       rows, ["Idea", "Generator", *cats, "Programs"],
                       ["Columns: the outcome categories that occur (as in Table 4b); each one-pass program "
                        "is counted once."], [j for c in first for j in d.cand_jobs.get(c.id, [])])]


def _after_repair(d: Data, c: CandidateRecord, repairs: list[CandidateRecord]) -> str:
    """Best outcome among the repairs descending from ``c``."""
    kids, frontier = [], {c.id}
    while frontier:
        nxt = [r for r in repairs if r.parent in frontier]
        kids += nxt
        frontier = {r.id for r in nxt}
    if not kids:
        return "no repair"
    outcomes = [(outcome_category(d, k), k.round) for k in kids]
    ok = [r for o, r in outcomes if o == "ok"]
    if ok:
        return f"ok (round {min(ok)})"
    o, r = max(outcomes, key=lambda x: x[1])
    return f"{o} (round {r})"


def runs(d: Data, c: CandidateRecord) -> bool:
    """The raw success: generated, and every level it was run at was scored (ok, or collapsed: scored,
    however badly), as pass@k counted it before collapse and copies were told apart."""
    jobs = d.cand_jobs.get(c.id, [])
    return c.status in (Status.OK, "not recorded") and bool(jobs) and all(j.status in SCORED for j in jobs)


def valid_original(d: Data, c: CandidateRecord, unoriginal: dict[str, str]) -> bool:
    """A success that counts: it runs (:func:`runs`), is not collapsed at the level nearest VALID_LEVEL
    (unstructured), and is its own program: not its prompt's example again nor any method in effect."""
    return runs(d, c) and c.id not in unoriginal and not is_collapsed_job(validity_job(d, c.id), d.dense)


def _first_working_round(d: Data, c: CandidateRecord, repairs: list[CandidateRecord], works) -> int | None:
    """0 if ``works(c)``, else the first repair round at which a descendant works, else None."""
    if works(c):
        return 0
    rounds, frontier = [], {c.id}
    while frontier:
        nxt = [r for r in repairs if r.parent in frontier]
        rounds += [r.round for r in nxt if works(r)]
        frontier = {r.id for r in nxt}
    return min(rounds) if rounds else None


def _success_row(by_idea: dict[str, list[int | None]], k: int, max_round: int, suffix: str = "") -> dict:
    """pass@1, pass@k and fix@1..max_round averaged over ideas; ``by_idea``: first working round per program.
    ``suffix`` names the columns of another notion of working (" raw")."""
    from harness.core.metrics import fix_at_r, pass_at_k

    n = len(by_idea)
    row = {f"pass@1{suffix}": f"{sum(pass_at_k(len(v), v.count(0), 1) for v in by_idea.values()) / n:.3f}"}
    if k > 1:
        row[f"pass@{k}{suffix} (k = samples per idea)"] = \
            f"{sum(pass_at_k(len(v), v.count(0), k) for v in by_idea.values()) / n:.3f}"
    for r in range(1, max_round + 1):
        row[f"fix@{r}{suffix}"] = f"{sum(fix_at_r(v, r) for v in by_idea.values()) / n:.3f}"
    return row


def _interleave(valid: dict, raw: dict) -> dict:
    """Each valid-original column followed by its raw twin."""
    out = {}
    for (kv, vv), (kr, vr) in zip(valid.items(), raw.items()):
        out[kv], out[kr] = vv, vr
    return out


def table4c(d: Data) -> list[Table]:
    """pass@k and fix@r per generator (averaged over ideas), then per idea: why can't it be generated in one go."""
    first = [c for c in d.candidates if c.round == 0]
    if not first:
        return []
    repairs = [c for c in d.candidates if c.round > 0]
    max_round = max((c.round for c in repairs), default=0)
    numbers, _ = idea_numbers(d)
    unoriginal = not_original(d)
    rows = []
    for g in d.generators:
        mine = [c for c in first if c.generator == g]
        if not mine:
            continue
        valid: dict[str, list[int | None]] = {}
        raw: dict[str, list[int | None]] = {}
        for c in mine:
            valid.setdefault(c.idea, []).append(
                _first_working_round(d, c, repairs, lambda x: valid_original(d, x, unoriginal)))
            raw.setdefault(c.idea, []).append(_first_working_round(d, c, repairs, lambda x: runs(d, x)))
        k = min(len(v) for v in valid.values())

        def rates(ideas):
            return _interleave(_success_row({i: valid[i] for i in ideas}, k, max_round),
                               _success_row({i: raw[i] for i in ideas}, k, max_round, " raw"))
        rows.append({"Generator": g, "Idea": "all (mean over ideas)", "Ideas": str(len(valid)),
                     "Programs": str(len(mine)), **rates(list(valid))})
        for idea in sorted(valid, key=lambda i: (numbers.get(i, "~"), i)):
            rows.append({"Generator": g, "Idea": f"{numbers.get(idea, '')} {idea}".strip(), "Ideas": "1",
                         "Programs": str(len(valid[idea])), **rates([idea])})
    cols = list(dict.fromkeys(c for r in rows for c in r))
    for r in rows:   # generators with fewer samples per idea have their own k: name it in every row
        for c in cols:
            r.setdefault(c, "not measured")
    notes = [f"pass@k and fix@r count valid, original programs: generated, scored at every level it was run at, "
             f"not collapsed (perplexity finite and at most the vocabulary size, a uniform guess's, where the dense "
             f"model's is) at the unstructured level nearest {VALID_LEVEL:g}, and neither its prompt's example "
             f"again nor any method in effect (Table 4's Example copy). The raw columns count every program "
             f"that was scored at every level it was run at, collapsed and copies included.",
             "pass@k: the unbiased estimator of Chen et al. (2021), 1 - C(n-c, k)/C(n, k), per idea; a "
             "generator's first row averages it over ideas.",
             "fix@r: share of one-pass programs that work after at most r repair rounds (each round sends the "
             "status, traceback tail and validation message back to the same model)."]
    used = [j for c in d.candidates for j in d.cand_jobs.get(c.id, [])]
    return [make_table("table4c", "Table 4c: pass@k and fix@r per generator and per idea", rows, cols, notes, used)]
