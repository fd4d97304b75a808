"""Tables 10 and 10b (not in the paper): evolution's best against best-of-N's best and the human methods,
and a verdict per idea at equal LLM calls."""

from __future__ import annotations

import math

from harness.core.interface import Status
from harness.core.numbers import fmt_ppl
from .cells import NOT_RUN, fmt_level, job_cell
from harness.run.store import BEST_OF_N, EVOLVE, CandidateRecord
from .programs import candidate_labels, vocabulary_bound
from .table import Table, make_table
from .view import DISPLAY, FIGURE3_HUMANS, Data, program_mode


def _mean_log(values: list[float | None]) -> float | None:
    """Mean log-perplexity, or None unless every value is a finite positive number."""
    if not values or any(v is None or not math.isfinite(v) or v <= 0 for v in values):
        return None
    return sum(math.log(v) for v in values) / len(values)


def evolution_verdict(evolved: dict, control: dict | None, evolved_test: float | None,
                      control_test: float | None) -> str:
    """One line: is the evolved best better than the best-of-N best at equal LLM calls?

    ``evolved`` / ``control``: the arms of an evolution summary; ``*_test``: each best program's mean
    log-perplexity on the reported test windows over the fitness levels (None: not every level ran ok).
    The test windows decide; held-out fitness (what both arms selected on) only when test numbers lack.
    """
    if control is None:
        return "no best-of-N control was run (evolution.best_of_n = false)"
    calls = (f"at equal LLM calls ({evolved['calls']})" if evolved["calls"] == control["calls"]
             else f"at unequal LLM calls ({evolved['calls']} vs {control['calls']})")
    fit = [(a.get("best") or {}).get("fitness") for a in (evolved, control)]
    if evolved_test is not None and control_test is not None:
        a, b, what = evolved_test, control_test, "test mean log-ppl"
    elif evolved_test is not None or control_test is not None:
        who = "evolution" if evolved_test is not None else "best-of-N"
        return f"{'evolution' if who == 'evolution' else 'evolution not'} better than best-of-N {calls}: " \
               f"only {who}'s best ran ok at every level on the test windows"
    elif fit[0] is not None or fit[1] is not None:
        if fit[0] is None or fit[1] is None:
            who = "evolution" if fit[0] is not None else "best-of-N"
            return f"{'evolution' if who == 'evolution' else 'evolution not'} better than best-of-N {calls}: " \
                   f"only {who} found a program that ran ok (held-out), none was scored on the test windows"
        a, b, what = fit[0], fit[1], "held-out fitness; no test numbers"
    else:
        return f"neither arm produced a program that ran ok {calls}"
    if a < b:
        return f"evolution better than best-of-N {calls}: {what} {a:.4f} vs {b:.4f}"
    if a == b:
        return f"evolution not better than best-of-N {calls}: tie, {what} {a:.4f} both"
    return f"evolution not better than best-of-N {calls}: {what} {a:.4f} vs {b:.4f}"


def _bound(d: Data) -> int | None:
    """The uniform guess's perplexity (the vocabulary size) of the run's model, where the dense row says it;
    None where the dense model is itself no better than that guess (a tiny test model), as
    ``programs.is_collapsed_job`` rules."""
    if d.dense is None or d.dense.perplexity is None:
        return None
    bound = vocabulary_bound(d.dense)
    ok = bound is not None and math.isfinite(d.dense.perplexity) and d.dense.perplexity <= bound
    return bound if ok else None


def heldout_collapsed(levels: list[dict] | None, bound: int | None) -> bool:
    """True when a held-out level scored ok is worse than a uniform guess (perplexity not finite or above
    ``bound``): the fitness ran, but the model is collapsed, not a result (issue 20, item 5)."""
    if bound is None:
        return False
    return any(s.get("status") == Status.OK and s.get("perplexity") is not None
               and not (math.isfinite(s["perplexity"]) and s["perplexity"] <= bound) for s in levels or [])


def best_new_program(d: Data, e: dict, mode: str) -> CandidateRecord | None:
    """The best program by held-out fitness that the arm ``mode`` itself produced for evolution summary ``e``:
    for evolution a child (generation >= 1), for best-of-N one of its samples; never a seed, a one-pass
    program, a duplicate of a program already in the pool (its fitness is the original's) or a program
    whose held-out model collapsed."""
    bound = _bound(d)
    pool = [c for c in d.evolution_programs.values()
            if program_mode(c) == mode and c.idea == e["idea"] and c.generator == e["generator"]
            and c.extra.get("model", e["model"]) == e["model"]
            and c.extra.get("fitness_setup", e["setup"]) == e["setup"]
            and (mode != EVOLVE or c.round >= 1)
            and not c.extra.get("duplicate_of")
            and c.extra.get("fitness") is not None
            and not heldout_collapsed(c.extra.get("heldout"), bound)]
    return min(pool, key=lambda c: (c.extra["fitness"], c.id)) if pool else None


def children_verdict(child: CandidateRecord | None, sample: CandidateRecord | None, calls: str,
                     child_test: float | None, sample_test: float | None) -> str:
    """Are evolved children better than best-of-N samples? ``child`` / ``sample``: the best of each (their
    candidate rows, held-out fitness in extra), ``*_test``: their test mean log-perplexity where each ran ok
    at every level on the test windows. The test windows decide when both have them, else held-out fitness."""
    if child is None and sample is None:
        return f"neither an evolved child nor a best-of-N sample ran ok at every fitness level {calls}"
    if child is None:
        return f"evolution not better than best-of-N {calls}: no evolved child (generation >= 1) ran ok " \
               f"at every fitness level; a best-of-N sample did"
    if sample is None:
        return f"evolution better than best-of-N {calls}: only an evolved child ran ok at every fitness level"
    if child_test is not None and sample_test is not None:
        a, b, what = child_test, sample_test, "test mean log-ppl"
    else:
        a, b, what = child.extra["fitness"], sample.extra["fitness"], "held-out fitness (not both on the test windows)"
    if a < b:
        return f"evolution better than best-of-N {calls}: {what} {a:.4f} vs {b:.4f}"
    if a == b:
        return f"evolution not better than best-of-N {calls}: tie, {what} {a:.4f} both"
    return f"evolution not better than best-of-N {calls}: {what} {a:.4f} vs {b:.4f}"


def _model_written(arm: dict | None) -> dict | None:
    """An arm whose best is the best program the model wrote (human seeds left out); None stays None."""
    return None if arm is None else {**arm, "best": arm.get("best_generated")}


def _heldout_cell(fit: dict | None, level: float, bound: int | None = None) -> str:
    if not fit:
        return NOT_RUN
    for s in fit.get("levels") or []:
        if abs(float(s["level"]) - level) < 1e-9:
            if heldout_collapsed([s], bound):
                return "collapsed"
            return fmt_ppl(s.get("perplexity")) if s["status"] == Status.OK and s.get("perplexity") else s["status"]
    return NOT_RUN


def _fitness_cell(fit: dict | None, missing: str) -> str:
    if not fit:
        return missing
    return f"{fit['fitness']:.4f}" if fit.get("fitness") is not None else fit.get("status") or "failed"


def table_evolution(d: Data) -> list[Table]:
    """Table 10: evolution's best vs best-of-N's best vs Wanda / SparseGPT, per idea, at the fitness levels."""
    if not d.evolution:
        return []
    labels = candidate_labels(d)
    levels = sorted({float(lv) for e in d.evolution for lv in e["levels"]})
    multi_gen = len({e["generator"] for e in d.evolution}) > 1
    cols = ["Core Idea", "Arm", "Program", "LLM calls", "Held-out fitness"]
    for lv in levels:
        cols += [f"Held-out ppl {fmt_level(lv)}", f"Test ppl {fmt_level(lv)}"]
    rows, used, verdicts = [], [], []
    for e in d.evolution:
        idea = e["idea"] + (f" [{e['generator']}]" if multi_gen else "")
        arms = [("evolution", e["evolution"]), ("best-of-N", e.get("best_of_n"))]
        if e.get("seeds"):   # a seed is in both pools: also show the best each arm's model itself wrote
            with_own = []
            for name, arm in arms:
                with_own.append((name, arm))
                if arm is not None:
                    with_own.append((f"{name}, model-written", _model_written(arm)))
            arms = with_own
        tests = {}
        for name, arm in arms:
            if arm is None:
                rows.append({"Core Idea": idea, "Arm": name, "Program": "not run (evolution.best_of_n = false)",
                             "LLM calls": "0", "Held-out fitness": NOT_RUN,
                             **{c: NOT_RUN for c in cols[5:]}})
                continue
            best = arm.get("best")
            none = "no program parsed"   # every reply had no code or code that does not parse
            row = {"Core Idea": idea, "Arm": name, "LLM calls": str(arm["calls"]),
                   "Program": (labels.get(best["id"], best["id"])
                               + (" (seed: no child beat it)" if name == "evolution" and best["generation"] == 0
                                  else "")) if best else none,
                   "Held-out fitness": _fitness_cell(best, none)}
            test = []
            for lv in levels:
                j = d.job("candidate", best["id"], "unstructured", lv) if best else None
                used.append(j)
                row[f"Held-out ppl {fmt_level(lv)}"] = _heldout_cell(best, lv, _bound(d))
                row[f"Test ppl {fmt_level(lv)}"] = job_cell(j)
                test.append(j.perplexity if j and j.status == Status.OK else None)
            tests[name] = _mean_log(test)
            rows.append(row)
        for m in FIGURE3_HUMANS[:2]:   # wanda, sparsegpt
            fit = (e.get("humans") or {}).get(m)
            row = {"Core Idea": idea, "Arm": DISPLAY[m], "Program": f"reference {m}", "LLM calls": "0 (human)",
                   "Held-out fitness": _fitness_cell(fit, NOT_RUN)}
            for lv in levels:
                j = d.job("reference", m, "unstructured", lv)
                used.append(j)
                row[f"Held-out ppl {fmt_level(lv)}"] = _heldout_cell(fit, lv, _bound(d))
                row[f"Test ppl {fmt_level(lv)}"] = job_cell(j)
            rows.append(row)
        child, sample = best_new_program(d, e, EVOLVE), best_new_program(d, e, BEST_OF_N)

        def test_of(c):
            jobs = [d.job("candidate", c.id, "unstructured", lv) for lv in levels] if c else []
            used.extend(jobs)
            return _mean_log([j.perplexity if j and j.status == Status.OK else None for j in jobs])
        control = e.get("best_of_n")
        if control is None:
            verdict = "no best-of-N control was run (evolution.best_of_n = false)"
        else:
            calls = (f"at equal LLM calls ({e['evolution']['calls']})" if e["evolution"]["calls"] == control["calls"]
                     else f"at unequal LLM calls ({e['evolution']['calls']} vs {control['calls']})")
            verdict = children_verdict(child, sample, calls, test_of(child), test_of(sample))
        verdicts.append({"Core Idea": idea, "Evolution calls": str(e["evolution"]["calls"]),
                         "Best-of-N calls": str(control["calls"]) if control else "0 (not run)",
                         "Programs (evolution)": f"{e['evolution']['programs']} distinct, "
                                                 f"{e['evolution']['duplicates']} duplicate(s)",
                         "Best evolved child": labels.get(child.id, child.id) if child else "none ran ok",
                         "Best best-of-N sample": labels.get(sample.id, sample.id) if sample else "none ran ok",
                         "Verdict": verdict,
                         "Pools' best (seeds and generation 0 included)": evolution_verdict(
                             e["evolution"], control, tests.get("evolution"), tests.get("best-of-N"))})
    h = d.evolution[0].get("heldout") or {}
    e0 = d.evolution[0]
    notes = [f"Held-out fitness: mean log-perplexity over the levels on {h.get('windows', '?')} held-out window(s) "
             f"of {h.get('seqlen', '?')} tokens of {h.get('source', '?')} from window {h.get('first_window', 0)} "
             "(never the reported test windows); lower is better; a failing level makes it the failure's status.",
             "Test ppl: the reported evaluation windows (fingerprints below), as in Tables 1 and 5.",
             f"Evolution: seeds (the one-pass programs"
             + (f", and the human seed(s) {', '.join(e0['seeds'])} in both arms' pools at no LLM call"
                if e0.get("seeds") else "") + f") then {e0['generations']} generation(s) of "
             f"{e0['children_per_generation']} children prompted with the top {e0['top_k']} of a population of "
             f"{e0['population']}; duplicates by normalised AST are not re-run. Best-of-N: as many independent "
             "one-pass samples as evolution spent LLM calls, the best by the same held-out fitness."]
    if h.get("overlaps_calibration"):
        notes.append("Warning: the held-out windows come from the calibration text (wikitext2 validation).")
    t = make_table("table10", f"Table 10 (extra): Evolution vs best-of-N vs human methods ({d.model})", rows, cols,
               notes, used)
    v = make_table("table10b", "Table 10b (extra): Is evolution better than best-of-N at equal LLM calls?", verdicts,
               ["Core Idea", "Evolution calls", "Best-of-N calls", "Programs (evolution)", "Best evolved child",
                "Best best-of-N sample", "Verdict", "Pools' best (seeds and generation 0 included)"],
               ["Verdict: the best evolved child (generation >= 1, not a duplicate of a program in the pool, not "
                "collapsed on the held-out windows: a perplexity above the vocabulary size is no result) against "
                "the best best-of-N sample, by held-out fitness; the test windows decide (mean log-perplexity over "
                "the fitness levels) when both were scored ok on them at every level, else the held-out fitness. "
                "Neither a human seed nor a one-pass program (generation 0) is credited to either arm.",
                "Pools' best: each arm's best program, which can be a human seed or a generation-0 one-pass "
                "program both arms share (the comparison before children and samples were told apart)."], used)
    return [t, v]
