"""The results store as the tables read it: one :class:`Data` per report, and the names that order it.

Everything the report knows comes from here; nothing else in the package opens the store.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path

from harness.run.folder import RunFolder
from harness.run.store import EVOLUTION_MODES, CandidateRecord, JobRow, ResultsStore

PAPER_METHODS = ("wanda", "sparsegpt", "magnitude", "movement")
DISPLAY = {"wanda": "Wanda", "sparsegpt": "SparseGPT", "magnitude": "Magnitude", "movement": "Movement"}
ABLATIONS = ("weights", "-weights", "bias", "-bias")
# What the prompts show (and the score skeleton's own Wanda), run beside machine-written programs to judge
# them (harness.run.forms.form_references): not a human method, so neither in Table 1 nor ever "best human".
PROMPT_REFERENCES = ("interface-example", "score-example", "score-wanda")
NOT_HUMAN = {"random", "movement-0shot", *ABLATIONS, *PROMPT_REFERENCES}   # reference methods that are no one's best effort
FIGURE3_HUMANS = ("wanda", "sparsegpt", "magnitude")
PATTERN_ORDER = ("unstructured", "2:4", "4:8")


def open_store(store_or_path) -> tuple[ResultsStore, bool, Path]:
    if isinstance(store_or_path, ResultsStore):
        return store_or_path, False, store_or_path.path
    p = Path(store_or_path)
    if p.is_dir():
        p = RunFolder(p).store
    if not p.is_file():
        raise FileNotFoundError(f"no results store at {p}")
    return ResultsStore(p), True, p


class Data:
    """The store's rows, de-duplicated, indexed the ways the tables need."""

    def __init__(self, jobs: list[JobRow], candidates: list[CandidateRecord], model: str | None,
                 evolution: list[dict] = ()):
        # The newest row wins where one (kind, method, model, level, pattern) was run under several setups.
        latest: dict[tuple, JobRow] = {}
        self.superseded = 0
        for j in sorted(jobs, key=lambda j: j.finished_at):
            k = (j.kind, j.method, j.model, float(j.sparsity), j.pattern)
            self.superseded += k in latest
            latest[k] = j
        by_model = Counter(j.model for j in latest.values())
        self.models = [m for m, _ in by_model.most_common()]
        if model is not None and model not in by_model:
            raise ValueError(f"model {model!r} not in the store; it has {', '.join(self.models) or 'no jobs'}")
        self.model = model or (self.models[0] if self.models else "no model")
        self.other_models = [m for m in self.models if m != self.model]
        self.jobs = [j for j in latest.values() if j.model == self.model]
        self.index = {(j.kind, j.method, j.pattern, float(j.sparsity)): j for j in self.jobs}
        dense = [j for j in self.jobs if j.kind == "dense"]
        self.dense = dense[-1] if dense else None
        self.reference_methods = sorted({j.method for j in self.jobs if j.kind == "reference"})

        # Evolution's programs (harness/run/evolve.py) are not one-pass or repair programs: Tables 4 and 9 leave
        # them out; those scored on the test windows (each arm's best) join Tables 5 and 8 and Figure 3.
        self.candidates = [c for c in candidates if program_mode(c) not in EVOLUTION_MODES]
        self.evolution_programs = {c.id: c for c in candidates if program_mode(c) in EVOLUTION_MODES}
        latest_evo: dict[tuple, dict] = {}
        latest_search: dict[tuple, dict] = {}
        for e in sorted(evolution, key=lambda e: e["finished_at"]):
            if e["model"] == self.model:
                # The discovery engine's summaries share evolution's table, marked kind = "search".
                (latest_search if e.get("kind") == "search" else latest_evo)[(e["idea"], e["generator"])] = e
        self.evolution = [latest_evo[k] for k in sorted(latest_evo)]
        self.searches = [latest_search[k] for k in sorted(latest_search)]
        known = {c.id for c in self.candidates} | set(self.evolution_programs)
        for j in self.jobs:   # candidate jobs whose generation was never recorded still get a row
            if j.kind == "candidate" and j.method not in known:
                known.add(j.method)
                self.candidates.append(CandidateRecord(j.method, j.idea or j.method, j.generator or "unknown",
                                                       j.sample or 0, "not recorded"))
        self.cand_jobs: dict[str, list[JobRow]] = defaultdict(list)
        for j in self.jobs:
            if j.kind == "candidate":
                self.cand_jobs[j.method].append(j)
        for js in self.cand_jobs.values():
            js.sort(key=lambda j: (pattern_rank(j.pattern), j.sparsity))
        self.generators = sorted({c.generator for c in self.candidates})
        # Every program that may have test jobs: the tables of scored programs iterate over these.
        self.scored = self.candidates + [c for i, c in self.evolution_programs.items() if self.cand_jobs.get(i)]

    def job(self, kind: str, method: str, pattern: str, level: float) -> JobRow | None:
        return self.index.get((kind, method, pattern, float(level)))

    def levels(self, kind: str, methods, pattern: str) -> list[float]:
        methods = set(methods)
        return sorted({float(j.sparsity) for j in self.jobs
                       if j.kind == kind and j.method in methods and j.pattern == pattern})

    def patterns(self, kind: str, methods=None) -> list[str]:
        ps = {j.pattern for j in self.jobs if j.kind == kind and (methods is None or j.method in methods)}
        return sorted(ps, key=pattern_rank)


def program_mode(c: CandidateRecord) -> str | None:
    return c.extra.get("mode")


def pattern_rank(p: str) -> tuple:
    return (PATTERN_ORDER.index(p), "") if p in PATTERN_ORDER else (len(PATTERN_ORDER), p)


def pattern_key(p: str) -> str:
    return "" if p == "unstructured" else "-" + re.sub(r"[^A-Za-z0-9]+", "_", p)


def method_order(methods) -> list[str]:
    from reference_pruners import METHODS
    order = list(PAPER_METHODS) + [m for m in METHODS if m not in PAPER_METHODS]
    return sorted(methods, key=lambda m: (order.index(m) if m in order else len(order), m))


def fallback_levels(d: Data, pattern: str = "unstructured") -> list[float]:
    return d.levels("reference", d.reference_methods, pattern) or [0.5]
