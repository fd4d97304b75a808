"""Tables 5 and 6: the machine-written programs that ran ok against the best human method, and what a
pruned model still writes."""

from __future__ import annotations

from ..interface import Status
from ..numbers import fmt_ppl
from .cells import NOT_RUN, fmt_level, job_cell
from .programs import candidate_labels, copies_in_effect, example_copies, ok_candidates
from .table import Table, make_table
from .view import NOT_HUMAN, Data, fallback_levels, method_order, pattern_key


def human_methods(d: Data) -> list[str]:
    return method_order([m for m in d.reference_methods if m not in NOT_HUMAN])


def best_human(d: Data, pattern: str, level: float) -> dict | None:
    ok = [d.job("reference", m, pattern, level) for m in human_methods(d)]
    ok = [j for j in ok if j and j["status"] == Status.OK and j.get("perplexity") is not None]
    return min(ok, key=lambda j: j["perplexity"]) if ok else None


def table5(d: Data) -> list[Table]:
    labels = candidate_labels(d)
    out = []
    cand_ids = [c["id"] for c in d.scored]
    for pattern in d.patterns("candidate") or ["unstructured"]:
        cands = sorted(ok_candidates(d, pattern), key=lambda c: (labels[c["id"]], c["id"]))
        levels = d.levels("candidate", cand_ids, pattern) or fallback_levels(d, pattern)
        rows, used = [], []
        for s in levels:
            row = {"Pruned Level": fmt_level(s)}
            for c in cands:
                j = d.job("candidate", c["id"], pattern, s)
                row[labels[c["id"]]] = job_cell(j)
                used.append(j)
            b = best_human(d, pattern, s)
            row["Best human method"] = b["method"] if b else "no human method ran ok"
            row["Best human perplexity"] = job_cell(b) if b else NOT_RUN
            used.append(b)
            rows.append(row)
        cols = ["Pruned Level", *[labels[c["id"]] for c in cands], "Best human method", "Best human perplexity"]
        gens = sorted({c["generator"] for c in cands})
        notes = [f"Machine-generated candidates with at least one level that ran ok ({len(cands)}); "
                 f"generator(s): {', '.join(gens) or 'none'}. Best human: the lowest perplexity among "
                 f"{', '.join(human_methods(d)) or 'no reference method'} at that level."]
        if not cands:
            notes.append("No machine-generated candidate ran ok" + ("" if pattern == "unstructured" else f" with {pattern}") + ".")
        copies = example_copies(d) if cands else set()
        in_effect = copies_in_effect(d, copies) if copies else set()
        notes += [f"{labels[c['id']]} = candidate {c['id']}"
                  + (" (the interface's magnitude example again, by normalised AST)" if c["id"] in copies else
                     " (the interface's magnitude example in effect: a copy's exact numbers)" if c["id"] in in_effect
                     else "")
                  for c in cands]
        label = "Table 5" + ("" if pattern == "unstructured" else f" ({pattern})")
        out.append(make_table(f"table5{pattern_key(pattern)}",
                          f"{label}: Perplexity on pruned model ({d.model}) from AIGC domain experts", rows, cols, notes, used))
        out += _closest_to(d, "wanda", pattern, cands, levels, labels, copies | in_effect)
    return out


def _closest_to(d: Data, method: str, pattern: str, cands: list[dict], levels, labels: dict, copies: set) -> list[Table]:
    """Table 5b: per level, the machine-written program nearest ``method`` (lowest perplexity), in all and
    among the programs that are not the interface example again, and its ratio to ``method``."""
    if not cands or not any(d.job("reference", method, pattern, s) for s in levels):
        return []
    rows, used = [], []
    for s in levels:
        ref = d.job("reference", method, pattern, s)
        ok = [(j["perplexity"], c["id"], j) for c in cands
              for j in [d.job("candidate", c["id"], pattern, s)]
              if j and j["status"] == Status.OK and j.get("perplexity") is not None]
        row = {"Pruned Level": fmt_level(s), method: job_cell(ref)}
        for title, pool in (("Closest program", ok), ("Closest original program", [o for o in ok if o[1] not in copies])):
            if not pool:
                row[title], row[f"{title}: perplexity"], row[f"{title}: x {method}"] = "none ran ok", NOT_RUN, NOT_RUN
                continue
            ppl, cid, j = min(pool, key=lambda o: o[0])
            row[title] = labels[cid]
            row[f"{title}: perplexity"] = job_cell(j)
            ratio = ppl / ref["perplexity"] if ref and ref["status"] == Status.OK and ref.get("perplexity") else None
            row[f"{title}: x {method}"] = fmt_ppl(ratio) if ratio is not None else NOT_RUN   # 1.6e+42, not 43 digits
            used.append(j)
        used.append(ref)
        rows.append(row)
    cols = list(rows[0])
    notes = [f"x {method}: the program's perplexity divided by {method}'s at the same level, on the same windows "
             f"(1.000 = as good; below 1 = better).",
             "Original: not the interface document's magnitude example again (Table 4's Example copy: yes or in "
             "effect)."]
    label = "Table 5b" + ("" if pattern == "unstructured" else f" ({pattern})")
    return [make_table(f"table5b{pattern_key(pattern)}", f"{label} (extended): the machine-written program closest to "
                       f"{method} at each level", rows, cols, notes, used)]


def default_table6_method(d: Data) -> str:
    """The human method with the lowest perplexity at 0.5 (or the level nearest 0.5 where any ran ok)."""
    for s in sorted({float(j["sparsity"]) for j in d.jobs if j["kind"] == "reference"}, key=lambda s: (abs(s - 0.5), s)):
        b = best_human(d, "unstructured", s)
        if b:
            return b["method"]
    return "wanda"


def table6(d: Data, method: str | None) -> list[Table]:
    method = method or default_table6_method(d)
    kinds = {j["kind"] for j in d.jobs if j["method"] == method and j["kind"] != "dense"}
    kind = "candidate" if "candidate" in kinds and "reference" not in kinds else "reference"
    prompt = next((j["extra"]["prompt"] for j in d.jobs if (j.get("extra") or {}).get("prompt")), "University is")
    col = prompt if prompt not in ("Pruned Level", "Perplexity") else f"'{prompt}'"

    def cont(j):
        if j is None or j["status"] != Status.OK:
            return job_cell(j)
        text = (j.get("extra") or {}).get("continuation")
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
