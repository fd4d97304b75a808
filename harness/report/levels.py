"""Tables 1-3: perplexity per sparsity level of the human methods (1) and of the ablations by weights (2)
and by bias (3), one table per sparsity pattern."""

from __future__ import annotations

from harness.core.interface import Status
from .cells import fmt_level, job_cell, one_line
from .table import Table, make_table
from .view import (ABLATIONS, DISPLAY, PAPER_METHODS, PROMPT_REFERENCES, Data, fallback_levels, method_order,
                   pattern_key, pattern_rank)


def level_table(d: Data, key: str, title: str, kind: str, methods: list[str], headers: list[str], pattern: str,
                levels: list[float], *, dense_row: bool = False, notes=()) -> Table:
    rows, used = [], []
    if dense_row:
        rows.append({"Pruned Level": "0.00", **{h: job_cell(d.dense) for h in headers}})
        used.append(d.dense)
    for s in levels:
        row = {"Pruned Level": fmt_level(s)}
        for m, h in zip(methods, headers):
            j = d.job(kind, m, pattern, s)
            row[h] = job_cell(j)
            used.append(j)
        rows.append(row)
    na = sorted({one_line(j.detail, 200) for j in used if j and j.status == Status.NOT_APPLICABLE})
    notes = list(notes) + [f"not applicable, as the pruner said: {t[len('not applicable'):].lstrip(' :') if t.lower().startswith('not applicable') else t}"
                           for t in na]
    return make_table(key, title, rows, ["Pruned Level", *headers], notes, used)


def table1(d: Data) -> list[Table]:
    present = [m for m in d.reference_methods if m not in ABLATIONS and m not in PROMPT_REFERENCES]
    methods = method_order(set(PAPER_METHODS) | set(present))
    out = []
    for pattern in d.patterns("reference", methods) or ["unstructured"]:
        levels = d.levels("reference", methods, pattern) or [0.5]
        notes = ["0.00 is the dense model (the same number in every column)."]
        if pattern != "unstructured":
            notes.append(f"{pattern}: N of every M consecutive weights of a row are zero; levels are nominal.")
        out.append(level_table(d, f"table1{pattern_key(pattern)}",
                               f"Table 1{'' if pattern == 'unstructured' else ' (' + pattern + ')'}: "
                               f"Perplexity on pruned model ({d.model}) from human domain experts",
                               "reference", methods, [DISPLAY.get(m, m) for m in methods],
                               pattern, levels, dense_row=True, notes=notes))
    return out


def _ablation_tables(d: Data, num: int, pair: list[str], headers: list[str], title: str, notes: list[str],
                     own: list[str] | None = None) -> list[Table]:
    """``own``: the methods whose patterns get a table (Table 2's magnitude stand-in does not add any)."""
    out = []
    patterns = set(d.patterns("reference", own or pair)) | {"unstructured"}
    for pattern in sorted(patterns, key=pattern_rank):
        levels = d.levels("reference", pair, pattern) or fallback_levels(d, pattern)
        label = f"Table {num}" + ("" if pattern == "unstructured" else f" ({pattern})")
        out.append(level_table(d, f"table{num}{pattern_key(pattern)}", f"{label}: {title}", "reference", pair,
                               headers, pattern, levels, notes=notes))
    return out


def table2(d: Data) -> list[Table]:
    notes = []
    first = "weights"
    if "weights" not in d.reference_methods and "magnitude" in d.reference_methods:
        first = "magnitude"
        notes.append("'Prune by Weights' shows the method magnitude: the store has no 'weights' jobs, and "
                     "'weights' is the same pruner as magnitude (|W|, one threshold per layer).")
    return _ablation_tables(d, 2, [first, "-weights"], ["Prune by Weights", "Prune by -Weights"],
                            "Effectiveness of the weights as a major pruning measure", notes, own=["weights", "-weights"])


def table3(d: Data) -> list[Table]:
    return _ablation_tables(d, 3, ["bias", "-bias"], ["Prune by Bias", "Prune by -Bias"],
                            "Effectiveness of the bias as a major pruning indicator", [])
