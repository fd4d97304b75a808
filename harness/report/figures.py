"""Figures 1-5: which series each figure plots and its caption; :mod:`.plots` draws them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harness.core.interface import Status
from .generation import run_outcome
from .programs import candidate_labels, ok_candidates
from .view import ABLATIONS, FIGURE3_HUMANS, PROMPT_REFERENCES, Data, method_order


@dataclass
class Figure:
    key: str
    path: Path
    caption: str


def _ok_series(d: Data, kind: str, method: str, pattern: str = "unstructured") -> dict[float, float]:
    return {float(j.sparsity): j.perplexity for j in d.jobs
            if j.kind == kind and j.method == method and j.pattern == pattern
            and j.status == Status.OK and j.perplexity is not None}


def make_figures(d: Data, out: Path) -> list[Figure]:
    from . import plots as F   # matplotlib is loaded only when a report is written

    dense = d.dense.perplexity if d.dense and d.dense.status == Status.OK else None
    absent = "Failed or missing jobs are absent from the lines (see the tables for their status)."
    figs = []
    methods = [m for m in d.reference_methods if m not in ABLATIONS and m not in PROMPT_REFERENCES]
    series = {m: _ok_series(d, "reference", m) for m in method_order(methods)}
    figs.append(Figure("figure1", F.level_figure(out / "figure1.png", f"Figure 1: reference methods on {d.model}",
                                                 series, dense=dense),
                       f"Figure 1: Sparsity level vs WikiText-2 perplexity (log scale) of every reference method on "
                       f"{d.model}, unstructured; dashed: dense. {absent}"))
    first = "weights" if "weights" in d.reference_methods or "magnitude" not in d.reference_methods else "magnitude"
    series = {f"prune by weights ({first})": _ok_series(d, "reference", first),
              "prune by -weights": _ok_series(d, "reference", "-weights")}
    figs.append(Figure("figure2", F.level_figure(out / "figure2.png", "Figure 2: the weights as pruning indicator",
                                                 series, dense=dense),
                       f"Figure 2: Prune by weights vs by -weights (Table 2). {absent}"))
    labels = candidate_labels(d)
    series = {m: _ok_series(d, "reference", m) for m in FIGURE3_HUMANS}
    thin = set()
    for c in ok_candidates(d, "unstructured"):
        series[labels[c.id]] = _ok_series(d, "candidate", c.id)
        thin.add(labels[c.id])
    figs.append(Figure("figure3", F.level_figure(out / "figure3.png", "Figure 3: machine vs human", series,
                                                 dense=dense, thin=thin),
                       f"Figure 3: Machine-generated candidates that ran ok (thin dashed) vs {', '.join(FIGURE3_HUMANS)} "
                       f"(thick). {absent}"))
    if d.evolution:
        history = {}
        for e in d.evolution:
            for name, arm in (("evolution", e["evolution"]), ("best-of-N", e.get("best_of_n"))):
                if arm and arm.get("history"):
                    history[f"{e['idea']} {name}"] = arm["history"]
        figs.append(Figure("figure5", F.history_figure(out / "figure5.png", "Figure 5: best held-out fitness per "
                                                       "generation", history),
                           "Figure 5: Best held-out fitness (mean log-perplexity over the fitness levels) after each "
                           "generation of evolution (0 = seeds); best-of-N's best as a dotted line at its level. "
                           "Failing programs (infinite fitness) are not points."))
    if d.searches:
        from .search import search_history
        figs.append(Figure("figure6", F.history_figure(out / "figure6.png", "Figure 6: best held-out fitness "
                                                       "against LLM calls", search_history(d),
                                                       xlabel="LLM calls (0 = seeds only)"),
                           "Figure 6: The discovery engine: the best held-out fitness (mean log-perplexity over the "
                           "fitness levels) of a program the model wrote, after each LLM call, per arm and for the "
                           "best-of-N control at the same calls; dotted: each arm's best human seed (the best-of-N "
                           "control starts from the discovery arm's)."))
    if len(d.generators) > 1:
        rates = {}
        first_pass = [c for c in d.candidates if not c.round]
        working = {c.id for c in ok_candidates(d)}
        for g in d.generators:
            cs = [c for c in first_pass if c.generator == g] or [None]
            n = len([c for c in cs if c])
            rates[g] = {"generated ok": sum(bool(c) and c.status == Status.OK for c in cs) / max(n, 1),
                        "ran ok at some level": sum(bool(c) and c.id in working for c in cs) / max(n, 1),
                        "ran ok at every level": sum(bool(c) and run_outcome(d, c)[0] == "ok" for c in cs) / max(n, 1)}
        figs.append(Figure("figure4", F.success_figure(out / "figure4.png", "Figure 4: one-pass success per generator", rates),
                           "Figure 4: Per generator model, the share of its one-pass programs that generated ok, ran ok "
                           "at some level, and ran ok at every level."))
    return figs
