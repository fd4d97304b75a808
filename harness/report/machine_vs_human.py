"""Tables 5 and 6: the machine-written programs that ran ok against the best human method, and what a
pruned model still writes."""

from __future__ import annotations

from harness.core.interface import Status
from harness.core.numbers import fmt_ppl
from .cells import NOT_RUN, fmt_level, job_cell
from harness.run.forms import FORMS, form_of_generator
from harness.run.store import CandidateRecord, JobRow
from .programs import candidate_labels, machine_written, not_original, ok_candidates
from .table import Table, make_table
from .view import NOT_HUMAN, Data, fallback_levels, method_order, pattern_key


def human_methods(d: Data) -> list[str]:
    return method_order([m for m in d.reference_methods if m not in NOT_HUMAN])


def best_human(d: Data, pattern: str, level: float) -> JobRow | None:
    ok = [d.job("reference", m, pattern, level) for m in human_methods(d)]
    ok = [j for j in ok if j and j.status == Status.OK and j.perplexity is not None]
    return min(ok, key=lambda j: j.perplexity) if ok else None


def _form_of(c: CandidateRecord) -> str:
    return form_of_generator(c.generator).name


def table5(d: Data) -> list[Table]:
    """Per form (the paper's whole programs, then scores in the fixed skeleton) and pattern: the
    machine-written programs that ran ok, beside the form's own baselines and the best human method."""
    labels = candidate_labels(d)
    unoriginal = not_original(d)
    out = []
    machine = ok_candidates(d)
    forms = [f for f in FORMS if f == "program" or any(_form_of(c) == f for c in machine)]
    for form in forms:
        mine = [c for c in machine_written(d) if _form_of(c) == form]
        baselines = list(FORMS[form].baselines)
        for pattern in d.patterns("candidate") or ["unstructured"]:
            cands = sorted((c for c in ok_candidates(d, pattern) if _form_of(c) == form),
                           key=lambda c: (labels[c.id], c.id))
            levels = d.levels("candidate", [c.id for c in mine], pattern) or fallback_levels(d, pattern)
            rows, used = [], []
            for s in levels:
                row = {"Pruned Level": fmt_level(s)}
                for c in cands:
                    j = d.job("candidate", c.id, pattern, s)
                    row[labels[c.id]] = job_cell(j)
                    used.append(j)
                for m in baselines:
                    j = d.job("reference", m, pattern, s)
                    row[f"Baseline {m}"] = job_cell(j)
                    used.append(j)
                b = best_human(d, pattern, s)
                row["Best human method"] = b.method if b else "no human method ran ok"
                row["Best human perplexity"] = job_cell(b) if b else NOT_RUN
                used.append(b)
                rows.append(row)
            cols = ["Pruned Level", *[labels[c.id] for c in cands], *[f"Baseline {m}" for m in baselines],
                    "Best human method", "Best human perplexity"]
            gens = sorted({c.generator for c in cands})
            notes = [f"Machine-written {form_note(form)} with at least one level that ran ok ({len(cands)}); "
                     f"generator(s): {', '.join(gens) or 'none'}; no human seed. Best human: the lowest perplexity "
                     f"among {', '.join(human_methods(d)) or 'no reference method'} at that level.",
                     f"Baselines of this form: {'; '.join(f'{m} ({BASELINE_NOTES.get(m, m)})' for m in baselines)}."]
            if not cands:
                notes.append(f"No machine-written {form_note(form)} ran ok"
                             + ("" if pattern == "unstructured" else f" with {pattern}") + ".")
            notes += [f"{labels[c.id]} = candidate {c.id}"
                      + (f" (not original: {unoriginal[c.id]})" if c.id in unoriginal else "")
                      for c in cands]
            key = _key("table5", form, pattern)
            label = "Table 5" + ("" if form == "program" else f" ({form} form)") + \
                ("" if pattern == "unstructured" else f" ({pattern})")
            out.append(make_table(key, f"{label}: Perplexity on pruned model ({d.model}) from AIGC domain experts",
                                  rows, cols, notes, used))
            out += _closest_to(d, "wanda", pattern, cands, levels, labels, unoriginal, form, baselines)
    return out


def _key(table: str, form: str, pattern: str) -> str:
    """table5, table5-2_4 (the paper's whole programs, keys as before); table5-score, table5-score_2_4: one
    dash, so build.render still knows the CSV as a table of an earlier report."""
    return f"{table}{pattern_key(pattern)}" if form == "program" else f"{table}-{form}{pattern_key(pattern).replace('-', '_')}"


def form_note(form: str) -> str:
    return "whole programs" if form == "program" else "scores in prunegen's fixed skeleton"


BASELINE_NOTES = {"magnitude": "|W|, one threshold per layer: what the interface's example does",
                  "magnitude-row": "|W|, one threshold per output row: what the skeleton gives any score for free",
                  "score-wanda": "|W| * act_norm in the skeleton: the skeleton's own Wanda"}


def _closest_to(d: Data, method: str, pattern: str, cands: list[CandidateRecord], levels, labels: dict,
                unoriginal: dict[str, str], form: str, baselines: list[str]) -> list[Table]:
    """Table 5b: per level, the machine-written program of ``form`` nearest ``method`` (lowest perplexity), in
    all and among the original programs, and its ratio to ``method`` and to the form's baselines."""
    if not cands or not any(d.job("reference", method, pattern, s) for s in levels):
        return []
    rows, used = [], []
    refs = [method, *(m for m in baselines if m != method)]
    for s in levels:
        ref_jobs = {m: d.job("reference", m, pattern, s) for m in refs}
        ok = [(j.perplexity, c.id, j) for c in cands
              for j in [d.job("candidate", c.id, pattern, s)]
              if j and j.status == Status.OK and j.perplexity is not None]
        row = {"Pruned Level": fmt_level(s), **{m: job_cell(j) for m, j in ref_jobs.items()}}
        for title, pool in (("Closest program", ok), ("Closest original program", [o for o in ok if o[1] not in unoriginal])):
            ratios = [f"{title}: x {m}" for m in (refs if title == "Closest original program" else [method])]
            if not pool:
                row[title], row[f"{title}: perplexity"] = "none ran ok", NOT_RUN
                row.update({r: NOT_RUN for r in ratios})
                continue
            ppl, cid, j = min(pool, key=lambda o: o[0])
            row[title] = labels[cid]
            row[f"{title}: perplexity"] = job_cell(j)
            for m, col in zip(refs, ratios):
                ref = ref_jobs[m]
                ratio = ppl / ref.perplexity if ref and ref.status == Status.OK and ref.perplexity else None
                row[col] = fmt_ppl(ratio) if ratio is not None else NOT_RUN   # 1.6e+42, not 43 digits
            used.append(j)
        used += list(ref_jobs.values())
        rows.append(row)
    cols = list(rows[0])
    notes = [f"x {m}: the program's perplexity divided by {m}'s at the same level, on the same windows "
             f"(1.000 = as good; below 1 = better)." for m in refs]
    notes.append("Original: neither its prompt's example again nor any method in effect (Table 4's Example copy: "
                 "yes or in effect); human seeds are not machine-written and are not in this table.")
    key = _key("table5b", form, pattern)
    label = "Table 5b" + ("" if form == "program" else f" ({form} form)") + ("" if pattern == "unstructured" else f" ({pattern})")
    return [make_table(key, f"{label} (extended): the machine-written program closest to "
                       f"{method} at each level", rows, cols, notes, used)]


def default_table6_method(d: Data) -> str:
    """The human method with the lowest perplexity at 0.5 (or the level nearest 0.5 where any ran ok)."""
    for s in sorted({float(j.sparsity) for j in d.jobs if j.kind == "reference"}, key=lambda s: (abs(s - 0.5), s)):
        b = best_human(d, "unstructured", s)
        if b:
            return b.method
    return "wanda"


def table6(d: Data, method: str | None) -> list[Table]:
    method = method or default_table6_method(d)
    kinds = {j.kind for j in d.jobs if j.method == method and j.kind != "dense"}
    kind = "candidate" if "candidate" in kinds and "reference" not in kinds else "reference"
    prompt = next((j.extra["prompt"] for j in d.jobs if j.extra.get("prompt")), "University is")
    col = prompt if prompt not in ("Pruned Level", "Perplexity") else f"'{prompt}'"

    def cont(j):
        if j is None or j.status != Status.OK:
            return job_cell(j)
        text = j.extra.get("continuation")
        return " ".join(text.split()) if text and text.strip() else "no continuation recorded"

    rows = [{"Pruned Level": "0.00", "Perplexity": job_cell(d.dense), col: cont(d.dense)}]
    used = [d.dense]
    for s in d.levels(kind, [method], "unstructured") or fallback_levels(d):
        j = d.job(kind, method, "unstructured", s)
        rows.append({"Pruned Level": fmt_level(s), "Perplexity": job_cell(j), col: cont(j)})
        used.append(j)
    name = candidate_labels(d).get(method, method) if kind == "candidate" else method
    notes = [f"Greedy continuation of the prompt '{prompt}' by the pruned model (method: {name}); 0.00 is the dense model."]
    return [make_table("table6", f"Table 6: Effect of pruned model ({d.model}, {name}) applying to downstream task - text generation",
                   rows, ["Pruned Level", "Perplexity", col], notes, used)]
