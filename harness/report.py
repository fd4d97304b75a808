"""``prunegen report``: the paper's Tables 1-6 (and what the paper lacks) from a results store.

One pass over the store builds a list of tables (all cells already strings) and figures; the same
tables are then written as Markdown, as one self-contained HTML file (inline CSS, figures as base64
PNG) and as one CSV each, so the three can never disagree.

Cell rules, everywhere:
  * a job that ran ok shows its perplexity, 3 decimals as in the paper (scientific above 1e6);
  * a job that failed shows its status (``runtime-error``, ``timeout``, ...; see harness.interface.Status);
  * a method that cannot apply shows ``not applicable: <reason>``;
  * a job that is not in the store shows ``not run``.
No cell is ever empty, ``NA`` or ``nan``. Each table lists, under it, the evaluation fingerprint(s)
of the numbers in it.
"""

from __future__ import annotations

import base64
import html
import math
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .interface import Status
from .numbers import fmt_ppl  # noqa: F401 - the report's cells, and tests, use it from here
from .store import BEST_OF_N, EVOLUTION_MODES, EVOLVE, SEED, ResultsStore

NOT_RUN = "not run"
PAPER_METHODS = ("wanda", "sparsegpt", "magnitude", "movement")
DISPLAY = {"wanda": "Wanda", "sparsegpt": "SparseGPT", "magnitude": "Magnitude", "movement": "Movement"}
ABLATIONS = ("weights", "-weights", "bias", "-bias")
NOT_HUMAN = {"random", *ABLATIONS}           # reference methods that are no one's best effort
FIGURE3_HUMANS = ("wanda", "sparsegpt", "magnitude")
PATTERN_ORDER = ("unstructured", "2:4", "4:8")
DETAIL_CHARS = 90


# --------------------------------------------------------------------------------------------- cells

def fmt_level(s: float) -> str:
    return f"{s:.2f}" if round(s, 2) == round(s, 10) else f"{s:g}"


def fmt_num(x: float | None, spec: str, missing: str = "not measured") -> str:
    return missing if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, spec)


def one_line(text: str | None, limit: int = DETAIL_CHARS) -> str:
    t = " ".join((text or "").split())
    return t if len(t) <= limit else t[: limit - 1].rstrip() + "…"


def na_reason(detail: str | None) -> str:
    """'not applicable: model has no bias: 210 of 210 ...' -> 'model has no bias'."""
    d = (detail or "").strip()
    if d.lower().startswith("not applicable"):
        d = d[len("not applicable"):].lstrip(" :").strip()
    return d.split(":")[0].strip() if d else ""


def job_cell(job: dict | None) -> str:
    """What a table shows for one job: perplexity, status, 'not applicable: why' or 'not run'."""
    if job is None:
        return NOT_RUN
    status = job["status"]
    if status == Status.OK:
        return fmt_ppl(job.get("perplexity")) or "ok (no perplexity recorded)"
    if status == Status.NOT_APPLICABLE:
        reason = na_reason(job.get("detail"))
        return f"not applicable: {reason}" if reason else "not applicable"
    return str(status)


def cell_class(text: str) -> str:
    if text == NOT_RUN or text.startswith("not run"):
        return "notrun"
    if text.startswith("not applicable"):
        return "na"
    if re.fullmatch(r"-?[0-9.]+(e[+-]?[0-9]+)?|inf", text):
        return "num"
    if text in {s.value for s in Status} and text != Status.OK:
        return "fail"
    return ""


# --------------------------------------------------------------------------------------------- model

@dataclass
class Table:
    key: str                    # file stem: table1, table1-2_4, table4b ...
    title: str
    frame: pd.DataFrame         # every cell a non-empty string
    notes: list[str] = field(default_factory=list)
    fingerprints: list[str] = field(default_factory=list)


@dataclass
class Figure:
    key: str
    path: Path
    caption: str


@dataclass
class Report:
    out_dir: Path
    tables: list[Table]
    figures: list[Figure]
    files: list[Path]


def _open(store_or_path) -> tuple[ResultsStore, bool, Path]:
    if isinstance(store_or_path, ResultsStore):
        return store_or_path, False, store_or_path.path
    p = Path(store_or_path)
    if p.is_dir():
        p = p / "results.sqlite"
    if not p.is_file():
        raise FileNotFoundError(f"no results store at {p}")
    return ResultsStore(p), True, p


class Data:
    """The store's rows, de-duplicated, indexed the ways the tables need."""

    def __init__(self, jobs: list[dict], candidates: list[dict], model: str | None, evolution: list[dict] = ()):
        # The newest row wins where one (kind, method, model, level, pattern) was run under several setups.
        latest: dict[tuple, dict] = {}
        self.superseded = 0
        for j in sorted(jobs, key=lambda j: j["finished_at"]):
            k = (j["kind"], j["method"], j["model"], float(j["sparsity"]), j["pattern"])
            self.superseded += k in latest
            latest[k] = j
        by_model = Counter(j["model"] for j in latest.values())
        self.models = [m for m, _ in by_model.most_common()]
        if model is not None and model not in by_model:
            raise ValueError(f"model {model!r} not in the store; it has {', '.join(self.models) or 'no jobs'}")
        self.model = model or (self.models[0] if self.models else "no model")
        self.other_models = [m for m in self.models if m != self.model]
        self.jobs = [j for j in latest.values() if j["model"] == self.model]
        self.index = {(j["kind"], j["method"], j["pattern"], float(j["sparsity"])): j for j in self.jobs}
        dense = [j for j in self.jobs if j["kind"] == "dense"]
        self.dense = dense[-1] if dense else None
        self.reference_methods = sorted({j["method"] for j in self.jobs if j["kind"] == "reference"})

        # Evolution's programs (harness/evolve.py) are not one-pass or repair programs: Tables 4 and 9 leave
        # them out; those scored on the test windows (each arm's best) join Tables 5 and 8 and Figure 3.
        self.candidates = [c for c in candidates if _mode(c) not in EVOLUTION_MODES]
        self.evolution_programs = {c["id"]: c for c in candidates if _mode(c) in EVOLUTION_MODES}
        latest_evo: dict[tuple, dict] = {}
        for e in sorted(evolution, key=lambda e: e["finished_at"]):
            if e["model"] == self.model:
                latest_evo[(e["idea"], e["generator"])] = e
        self.evolution = [latest_evo[k] for k in sorted(latest_evo)]
        known = {c["id"] for c in self.candidates} | set(self.evolution_programs)
        for j in self.jobs:   # candidate jobs whose generation was never recorded still get a row
            if j["kind"] == "candidate" and j["method"] not in known:
                known.add(j["method"])
                self.candidates.append({"id": j["method"], "idea": j.get("idea") or j["method"],
                                        "generator": j.get("generator") or "unknown", "sample": j.get("sample") or 0,
                                        "round": 0, "parent": None, "status": "not recorded", "detail": "",
                                        "prompt_tokens": None, "completion_tokens": None, "cost_usd": None,
                                        "latency_s": None, "extra": {}})
        self.cand_jobs: dict[str, list[dict]] = defaultdict(list)
        for j in self.jobs:
            if j["kind"] == "candidate":
                self.cand_jobs[j["method"]].append(j)
        for js in self.cand_jobs.values():
            js.sort(key=lambda j: (_pattern_rank(j["pattern"]), j["sparsity"]))
        self.generators = sorted({c["generator"] for c in self.candidates})
        # Every program that may have test jobs: the tables of scored programs iterate over these.
        self.scored = self.candidates + [c for i, c in self.evolution_programs.items() if self.cand_jobs.get(i)]

    def job(self, kind: str, method: str, pattern: str, level: float) -> dict | None:
        return self.index.get((kind, method, pattern, float(level)))

    def levels(self, kind: str, methods, pattern: str) -> list[float]:
        methods = set(methods)
        return sorted({float(j["sparsity"]) for j in self.jobs
                       if j["kind"] == kind and j["method"] in methods and j["pattern"] == pattern})

    def patterns(self, kind: str, methods=None) -> list[str]:
        ps = {j["pattern"] for j in self.jobs if j["kind"] == kind and (methods is None or j["method"] in methods)}
        return sorted(ps, key=_pattern_rank)


def _mode(c: dict) -> str | None:
    return (c.get("extra") or {}).get("mode")


def _pattern_rank(p: str) -> tuple:
    return (PATTERN_ORDER.index(p), "") if p in PATTERN_ORDER else (len(PATTERN_ORDER), p)


def _pattern_key(p: str) -> str:
    return "" if p == "unstructured" else "-" + re.sub(r"[^A-Za-z0-9]+", "_", p)


def _method_order(methods) -> list[str]:
    from reference_pruners import METHODS
    order = list(PAPER_METHODS) + [m for m in METHODS if m not in PAPER_METHODS]
    return sorted(methods, key=lambda m: (order.index(m) if m in order else len(order), m))


# ------------------------------------------------------------------------------------- fingerprints

def _calib_text(c: dict | None) -> str:
    if not c:
        return "none"
    src = c.get("source", "?")
    return f"{src} {c.get('nsamples', '?')}x{c.get('seqlen', '?')} seed {c.get('seed', '?')}"


def fingerprint_lines(jobs) -> list[str]:
    """One line per evaluation fingerprint digest among ``jobs``: what produced the numbers."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for j in jobs:
        if j is not None:
            groups[j.get("fingerprint_digest") or ""].append(j)
    lines = []
    for digest in sorted(groups, key=lambda d: (d == "", d)):
        js = groups[digest]
        if not digest:
            lines.append(f"fingerprint unknown: {len(js)} job(s) recorded none")
            continue
        fp = next((j["fingerprint"] for j in js if j.get("fingerprint")), {}) or {}
        data = fp.get("data") or {}
        calibs: dict[str, list[str]] = defaultdict(list)
        for j in js:
            c = _calib_text((j.get("fingerprint") or {}).get("calibration"))
            if j["method"] not in calibs[c]:
                calibs[c].append(j["method"])
        if len(calibs) == 1:
            calib = f"calibration {next(iter(calibs))}"
        else:
            calib = "calibration " + "; ".join(
                f"{c} ({', '.join(ms[:4])}{', …' if len(ms) > 4 else ''})" for c, ms in sorted(calibs.items()))
        lines.append(f"fingerprint {digest}: {fp.get('model_spec', '?')}, {data.get('source', '?')}, "
                     f"seqlen {fp.get('seqlen', '?')}, {fp.get('windows', '?')} windows, {fp.get('dtype', '?')}, "
                     f"{fp.get('device', '?')}, {calib}")
    return lines or ["fingerprint: no job in this table has run"]


def _table(key, title, rows: list[dict], columns: list[str], notes=(), jobs=()) -> Table:
    frame = pd.DataFrame(rows, columns=columns).astype(str) if rows else pd.DataFrame(columns=columns)
    return Table(key, title, frame, list(notes), fingerprint_lines(jobs))


# -------------------------------------------------------------------------------------- tables 1-3

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
    na = sorted({one_line(j.get("detail"), 200) for j in used if j and j["status"] == Status.NOT_APPLICABLE})
    notes = list(notes) + [f"not applicable, as the pruner said: {t[len('not applicable'):].lstrip(' :') if t.lower().startswith('not applicable') else t}"
                           for t in na]
    return _table(key, title, rows, ["Pruned Level", *headers], notes, used)


def _fallback_levels(d: Data, pattern: str = "unstructured") -> list[float]:
    return d.levels("reference", d.reference_methods, pattern) or [0.5]


def table1(d: Data) -> list[Table]:
    present = [m for m in d.reference_methods if m not in ABLATIONS]
    methods = _method_order(set(PAPER_METHODS) | set(present))
    out = []
    for pattern in d.patterns("reference", methods) or ["unstructured"]:
        levels = d.levels("reference", methods, pattern) or [0.5]
        notes = ["0.00 is the dense model (the same number in every column)."]
        if pattern != "unstructured":
            notes.append(f"{pattern}: N of every M consecutive weights of a row are zero; levels are nominal.")
        out.append(level_table(d, f"table1{_pattern_key(pattern)}",
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
    for pattern in sorted(patterns, key=_pattern_rank):
        levels = d.levels("reference", pair, pattern) or _fallback_levels(d, pattern)
        label = f"Table {num}" + ("" if pattern == "unstructured" else f" ({pattern})")
        out.append(level_table(d, f"table{num}{_pattern_key(pattern)}", f"{label}: {title}", "reference", pair,
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


# ---------------------------------------------------------------------------------------- table 4

def _first_failure(jobs: list[dict]) -> dict | None:
    """The job that names a candidate's run status: the first non-ok job that is not a mere skip."""
    bad = [j for j in jobs if j["status"] != Status.OK]
    real = [j for j in bad if j["status"] != Status.SKIPPED]
    return (real or bad or [None])[0]


def run_outcome(d: Data, c: dict) -> tuple[str, str, int, int]:
    """(run status, detail, ok jobs, jobs) of one candidate."""
    jobs = d.cand_jobs.get(c["id"], [])
    n_ok = sum(j["status"] == Status.OK for j in jobs)
    if c["status"] not in (Status.OK, "not recorded"):
        return f"{NOT_RUN} (no program)", one_line(c.get("detail")) or c["status"], n_ok, len(jobs)
    if not jobs:
        return NOT_RUN, "no job in the store", 0, 0
    bad = _first_failure(jobs)
    if bad is None:
        return "ok", f"ok at {len(jobs)} level(s)", n_ok, len(jobs)
    where = f"at {fmt_level(bad['sparsity'])}{'' if bad['pattern'] == 'unstructured' else ' ' + bad['pattern']}"
    return bad["status"], one_line(f"{where}: {bad.get('detail') or bad['status']}"), n_ok, len(jobs)


def outcome_category(d: Data, c: dict) -> str:
    if c["status"] not in (Status.OK, "not recorded"):
        return c["status"]
    status = run_outcome(d, c)[0]
    return status


def _numbers(d: Data) -> tuple[dict[str, str], bool]:
    """Idea -> number: the paper's Table 4 number where the candidate says it, else the next free one, starred."""
    known: dict[str, int] = {}
    programs = [c for c in (*d.scored, *d.evolution_programs.values()) if _mode(c) != SEED]
    for c in programs:
        n = (c.get("extra") or {}).get("paper_number")
        if n is not None and c["idea"] not in known:
            try:
                known[c["idea"]] = int(n)
            except (TypeError, ValueError):
                pass
    out = {idea: f"{n:02d}" for idea, n in known.items()}
    nxt = max(known.values(), default=0) + 1
    starred = False
    for idea in sorted({c["idea"] for c in programs} - set(known)):
        out[idea] = f"{nxt:02d}*"
        nxt += 1
        starred = True
    return out, starred


def table4(d: Data) -> list[Table]:
    numbers, starred = _numbers(d)
    first = [c for c in d.candidates if (c.get("round") or 0) == 0]
    first.sort(key=lambda c: (numbers[c["idea"]], c["idea"], c["generator"], c.get("sample") or 0))
    multi_sample = len({(c["idea"], c["generator"]) for c in first}) < len(first)
    repairs = [c for c in d.candidates if (c.get("round") or 0) > 0]
    rows, used = [], []
    for c in first:
        run, detail, n_ok, n = run_outcome(d, c)
        gen = c["status"]
        row = {"Number": numbers[c["idea"]], "Core Idea": c["idea"], "Generator": c["generator"]}
        if multi_sample:
            row["Sample"] = str(c.get("sample") or 0)
        row.update({"Generation": gen, "Run": run, "Levels ok": f"{n_ok}/{n}",
                    "Status": "OK" if gen in (Status.OK, "not recorded") and run == "ok" else "Error"})
        if repairs:
            row["After repair"] = _after_repair(d, c, repairs)
        row["Detail"] = detail
        rows.append(row)
        used += d.cand_jobs.get(c["id"], [])
    cols = ["Number", "Core Idea", "Generator"] + (["Sample"] if multi_sample else []) + \
           ["Generation", "Run", "Levels ok", "Status"] + (["After repair"] if repairs else []) + ["Detail"]
    notes = ["Generation: the one-pass (round 0) generation; Run: the first failing category over the candidate's "
             "jobs (a 'skipped' level counts only if nothing else failed), or ok; Levels ok: jobs that ran ok / jobs run."]
    if starred:
        notes.append("* numbered here: the idea has no number in the paper's Table 4.")
    if not rows:
        rows = [{c: "no generated program in the store" if c == "Core Idea" else NOT_RUN for c in cols}]
    t = _table("table4", "Table 4: One pass code generation and effectiveness evaluation", rows, cols, notes, used)

    # extended: per generator, how the one-pass programs ended
    cats = [s.value for s in Status] + ["not recorded", f"{NOT_RUN}"]
    counts = {g: Counter() for g in d.generators}
    for c in first:
        cat = outcome_category(d, c)
        counts[c["generator"]][NOT_RUN if cat.startswith(NOT_RUN) else cat] += 1
    brows = []
    for cat in cats:
        if cat == "not recorded" and not any(counts[g][cat] for g in counts):
            continue
        r = {"Outcome": cat, **{g: str(counts[g][cat]) for g in d.generators},
             "All": str(sum(counts[g][cat] for g in d.generators))}
        brows.append(r)
    brows.append({"Outcome": "total", **{g: str(sum(counts[g].values())) for g in d.generators},
                  "All": str(len(first))})
    tb = _table("table4b", "Table 4b (extended): outcome of one-pass programs by error category and generator",
                brows, ["Outcome", *d.generators, "All"],
                ["Each one-pass program is counted once: under its generation status if generation failed, "
                 "otherwise under its run status (Table 4's Run column)."], used)
    return [t, tb]


def _after_repair(d: Data, c: dict, repairs: list[dict]) -> str:
    """Best outcome among the repairs descending from ``c``."""
    kids, frontier = [], {c["id"]}
    while frontier:
        nxt = [r for r in repairs if r.get("parent") in frontier]
        kids += nxt
        frontier = {r["id"] for r in nxt}
    if not kids:
        return "no repair"
    outcomes = [(outcome_category(d, k), k.get("round") or 0) for k in kids]
    ok = [r for o, r in outcomes if o == "ok"]
    if ok:
        return f"ok (round {min(ok)})"
    o, r = max(outcomes, key=lambda x: x[1])
    return f"{o} (round {r})"


def _first_working_round(d: Data, c: dict, repairs: list[dict]) -> int | None:
    """0 if ``c`` works, else the first repair round at which a descendant works, else None."""
    if outcome_category(d, c) == "ok":
        return 0
    rounds, frontier = [], {c["id"]}
    while frontier:
        nxt = [r for r in repairs if r.get("parent") in frontier]
        rounds += [r.get("round") or 0 for r in nxt if outcome_category(d, r) == "ok"]
        frontier = {r["id"] for r in nxt}
    return min(rounds) if rounds else None


def _success_row(by_idea: dict[str, list[int | None]], k: int, max_round: int) -> dict:
    """pass@1, pass@k and fix@1..max_round averaged over ideas; ``by_idea``: first working round per program."""
    from .metrics import fix_at_r, pass_at_k

    n = len(by_idea)
    row = {"pass@1": f"{sum(pass_at_k(len(v), v.count(0), 1) for v in by_idea.values()) / n:.3f}"}
    if k > 1:
        row[f"pass@{k} (k = samples per idea)"] = \
            f"{sum(pass_at_k(len(v), v.count(0), k) for v in by_idea.values()) / n:.3f}"
    for r in range(1, max_round + 1):
        row[f"fix@{r}"] = f"{sum(fix_at_r(v, r) for v in by_idea.values()) / n:.3f}"
    return row


def table4c(d: Data) -> list[Table]:
    """pass@k and fix@r per generator (averaged over ideas), then per idea: why can't it be generated in one go."""
    first = [c for c in d.candidates if (c.get("round") or 0) == 0]
    if not first:
        return []
    repairs = [c for c in d.candidates if (c.get("round") or 0) > 0]
    max_round = max((c.get("round") or 0 for c in repairs), default=0)
    numbers, _ = _numbers(d)
    rows = []
    for g in d.generators:
        mine = [c for c in first if c["generator"] == g]
        if not mine:
            continue
        by_idea: dict[str, list[int | None]] = {}
        for c in mine:
            by_idea.setdefault(c["idea"], []).append(_first_working_round(d, c, repairs))
        k = min(len(v) for v in by_idea.values())
        rows.append({"Generator": g, "Idea": "all (mean over ideas)", "Ideas": str(len(by_idea)),
                     "Programs": str(len(mine)), **_success_row(by_idea, k, max_round)})
        for idea in sorted(by_idea, key=lambda i: (numbers.get(i, "~"), i)):
            rows.append({"Generator": g, "Idea": f"{numbers.get(idea, '')} {idea}".strip(), "Ideas": "1",
                         "Programs": str(len(by_idea[idea])), **_success_row({idea: by_idea[idea]}, k, max_round)})
    cols = list(dict.fromkeys(c for r in rows for c in r))
    for r in rows:   # generators with fewer samples per idea have their own k: name it in every row
        for c in cols:
            r.setdefault(c, "not measured")
    notes = ["A program works when it generated, ran and passed validation at every level it was run at.",
             "pass@k: the unbiased estimator of Chen et al. (2021), 1 - C(n-c, k)/C(n, k), per idea; a "
             "generator's first row averages it over ideas.",
             "fix@r: share of one-pass programs that work after at most r repair rounds (each round sends the "
             "status, traceback tail and validation message back to the same model)."]
    used = [j for c in d.candidates for j in d.cand_jobs.get(c["id"], [])]
    return [_table("table4c", "Table 4c: pass@k and fix@r per generator and per idea", rows, cols, notes, used)]


# ---------------------------------------------------------------------------------------- table 5

def _cand_label(d: Data, c: dict, numbers: dict[str, str], multi_gen: bool, multi_sample: set) -> str:
    if _mode(c) == SEED:
        return f"human seed {c['id'].removeprefix('seed:')}"
    label = f"{numbers[c['idea']]} {c['idea']}"
    if multi_gen:
        label += f" [{c['generator']}]"
    if _mode(c) == EVOLVE:
        return label + f" evolved g{c.get('round') or 0}.{c.get('sample') or 0}"
    if _mode(c) == BEST_OF_N:
        return label + f" best-of-N s{c.get('sample') or 0}"
    if (c["idea"], c["generator"]) in multi_sample:
        label += f" s{c.get('sample') or 0}"
    if c.get("round"):
        label += f" r{c['round']}"
    return label


def ok_candidates(d: Data, pattern: str | None = None) -> list[dict]:
    return [c for c in d.scored
            if any(j["status"] == Status.OK and (pattern is None or j["pattern"] == pattern)
                   for j in d.cand_jobs.get(c["id"], []))]


def candidate_labels(d: Data) -> dict[str, str]:
    numbers, _ = _numbers(d)
    seen = Counter((c["idea"], c["generator"]) for c in d.candidates if not c.get("round"))
    multi = {k for k, n in seen.items() if n > 1}
    every = {c["id"]: c for c in (*d.evolution_programs.values(), *d.scored)}   # evolution's unscored ones too
    return {i: _cand_label(d, c, numbers, len(d.generators) > 1, multi) for i, c in every.items()}


def human_methods(d: Data) -> list[str]:
    return _method_order([m for m in d.reference_methods if m not in NOT_HUMAN])


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
        levels = d.levels("candidate", cand_ids, pattern) or _fallback_levels(d, pattern)
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
        notes += [f"{labels[c['id']]} = candidate {c['id']}" for c in cands]
        label = "Table 5" + ("" if pattern == "unstructured" else f" ({pattern})")
        out.append(_table(f"table5{_pattern_key(pattern)}",
                          f"{label}: Perplexity on pruned model ({d.model}) from AIGC domain experts", rows, cols, notes, used))
    return out


# ---------------------------------------------------------------------------------------- table 6

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
    for s in d.levels(kind, [method], "unstructured") or _fallback_levels(d):
        j = d.job(kind, method, "unstructured", s)
        rows.append({"Pruned Level": fmt_level(s), "Perplexity": job_cell(j), col: cont(j)})
        used.append(j)
    name = candidate_labels(d).get(method, method) if kind == "candidate" else method
    notes = [f"Greedy continuation of the prompt '{prompt}' by the pruned model (method: {name}); 0.00 is the dense model."]
    return [_table("table6", f"Table 6: Effect of pruned model ({d.model}, {name}) applying to downstream task - text generation",
                   rows, ["Pruned Level", "Perplexity", col], notes, used)]


# ------------------------------------------------------------------------------------ extra tables

def table_summary(d: Data) -> Table:
    status = Counter(j["status"] for j in d.jobs)
    kinds = Counter(j["kind"] for j in d.jobs)
    rows = [
        {"Quantity": "model", "Value": d.model},
        {"Quantity": "dense perplexity", "Value": job_cell(d.dense)},
        {"Quantity": "dense evaluation seconds", "Value": fmt_num(d.dense and d.dense.get("eval_seconds"), ".1f",
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
    return _table("table7", "Table 7 (extra): Dense model and run summary", rows, ["Quantity", "Value"], notes,
                  [d.dense] if d.dense else [])


def table_jobs(d: Data) -> Table:
    labels = candidate_labels(d)
    order = {"dense": 0, "reference": 1, "candidate": 2}
    jobs = sorted(d.jobs, key=lambda j: (order.get(j["kind"], 3), j["method"], _pattern_rank(j["pattern"]), j["sparsity"]))
    rows = []
    for j in jobs:
        ps, es = j.get("prune_seconds"), j.get("eval_seconds")
        wall = None if ps is None and es is None else (ps or 0.0) + (es or 0.0)
        rows.append({"Kind": j["kind"], "Method": labels.get(j["method"], j["method"]), "Pattern": j["pattern"],
                     "Level": fmt_level(j["sparsity"]), "Status": j["status"],
                     "Achieved sparsity": fmt_num(j.get("achieved_sparsity"), ".4f"),
                     "Perplexity": job_cell(j), "Prune s": fmt_num(ps, ".1f"), "Eval s": fmt_num(es, ".1f"),
                     "Wall s": fmt_num(wall, ".1f")})
    cols = ["Kind", "Method", "Pattern", "Level", "Status", "Achieved sparsity", "Perplexity", "Prune s", "Eval s", "Wall s"]
    if not rows:
        rows = [{c: NOT_RUN for c in cols}]
    return _table("table8", "Table 8 (extra): Every job: achieved sparsity and wall time", rows, cols,
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
    working_ids = {c["id"] for c in ok_candidates(d)}
    for g in d.generators:
        cs = [c for c in d.candidates if c["generator"] == g]
        n_work = sum(c["id"] in working_ids for c in cs)
        toks = [None if c.get("prompt_tokens") is None and c.get("completion_tokens") is None
                else (c.get("prompt_tokens") or 0) + (c.get("completion_tokens") or 0) for c in cs]
        tok_text, tok_total = _sum_or_unknown(toks, "d")
        usd_text, usd_total = _sum_or_unknown([c.get("cost_usd") for c in cs], ".4f")
        lat_text, _ = _sum_or_unknown([c.get("latency_s") for c in cs], ".1f")
        run_s = sum((j.get("prune_seconds") or 0) + (j.get("eval_seconds") or 0)
                    for c in cs for j in d.cand_jobs.get(c["id"], []))

        def per(total, spec):
            if n_work == 0:
                return "no working candidate"
            return "unknown" if total is None else format(total / n_work, spec)
        rows.append({"Generator": g, "Programs": str(len(cs)),
                     "Generated ok": str(sum(c["status"] == Status.OK for c in cs)),
                     "Working": str(n_work), "Total tokens": tok_text, "Cost USD": usd_text,
                     "Generation s": lat_text, "Run wall s": f"{run_s:.1f}",
                     "Tokens per working": per(tok_total, ".0f"), "USD per working": per(usd_total, ".4f")})
    cols = ["Generator", "Programs", "Generated ok", "Working", "Total tokens", "Cost USD", "Generation s",
            "Run wall s", "Tokens per working", "USD per working"]
    if not rows:
        rows = [{c: "no generated program in the store" if c == "Generator" else "0" for c in cols}]
    notes = ["Programs counts every generated program, repairs included. Working: at least one level ran ok "
             "(as in Table 5). 'unknown' where the provider reported no cost or tokens."]
    used = [j for c in d.candidates for j in d.cand_jobs.get(c["id"], [])]
    return _table("table9", "Table 9 (extra): Cost per working algorithm, per generator model", rows, cols, notes, used)


# --------------------------------------------------------------------------------------- table 10

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


def _model_written(arm: dict | None) -> dict | None:
    """An arm whose best is the best program the model wrote (human seeds left out); None stays None."""
    return None if arm is None else {**arm, "best": arm.get("best_generated")}


def _heldout_cell(fit: dict | None, level: float) -> str:
    if not fit:
        return NOT_RUN
    for s in fit.get("levels") or []:
        if abs(float(s["level"]) - level) < 1e-9:
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
                row[f"Held-out ppl {fmt_level(lv)}"] = _heldout_cell(best, lv)
                row[f"Test ppl {fmt_level(lv)}"] = job_cell(j)
                test.append(j["perplexity"] if j and j["status"] == Status.OK else None)
            tests[name] = _mean_log(test)
            rows.append(row)
        for m in FIGURE3_HUMANS[:2]:   # wanda, sparsegpt
            fit = (e.get("humans") or {}).get(m)
            row = {"Core Idea": idea, "Arm": DISPLAY[m], "Program": f"reference {m}", "LLM calls": "0 (human)",
                   "Held-out fitness": _fitness_cell(fit, NOT_RUN)}
            for lv in levels:
                j = d.job("reference", m, "unstructured", lv)
                used.append(j)
                row[f"Held-out ppl {fmt_level(lv)}"] = _heldout_cell(fit, lv)
                row[f"Test ppl {fmt_level(lv)}"] = job_cell(j)
            rows.append(row)
        verdicts.append({"Core Idea": idea, "Evolution calls": str(e["evolution"]["calls"]),
                         "Best-of-N calls": str(e["best_of_n"]["calls"]) if e.get("best_of_n") else "0 (not run)",
                         "Programs (evolution)": f"{e['evolution']['programs']} distinct, "
                                                 f"{e['evolution']['duplicates']} duplicate(s)",
                         "Verdict": evolution_verdict(e["evolution"], e.get("best_of_n"), tests.get("evolution"),
                                                      tests.get("best-of-N"))
                         + (f"; model-written only: " + evolution_verdict(
                             _model_written(e["evolution"]), _model_written(e.get("best_of_n")),
                             tests.get("evolution, model-written"), tests.get("best-of-N, model-written"))
                            if e.get("seeds") else "")})
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
    t = _table("table10", f"Table 10 (extra): Evolution vs best-of-N vs human methods ({d.model})", rows, cols,
               notes, used)
    v = _table("table10b", "Table 10b (extra): Is evolution better than best-of-N at equal LLM calls?", verdicts,
               ["Core Idea", "Evolution calls", "Best-of-N calls", "Programs (evolution)", "Verdict"],
               ["The test windows decide (mean log-perplexity over the fitness levels); the held-out fitness "
                "only when a best program has no test numbers."], used)
    return [t, v]


# ----------------------------------------------------------------------------------------- figures

def _ok_series(d: Data, kind: str, method: str, pattern: str = "unstructured") -> dict[float, float]:
    return {float(j["sparsity"]): j["perplexity"] for j in d.jobs
            if j["kind"] == kind and j["method"] == method and j["pattern"] == pattern
            and j["status"] == Status.OK and j.get("perplexity") is not None}


def make_figures(d: Data, out: Path) -> list[Figure]:
    from . import figures as F

    dense = d.dense["perplexity"] if d.dense and d.dense["status"] == Status.OK else None
    absent = "Failed or missing jobs are absent from the lines (see the tables for their status)."
    figs = []
    methods = [m for m in d.reference_methods if m not in ABLATIONS]
    series = {m: _ok_series(d, "reference", m) for m in _method_order(methods)}
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
        series[labels[c["id"]]] = _ok_series(d, "candidate", c["id"])
        thin.add(labels[c["id"]])
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
    if len(d.generators) > 1:
        rates = {}
        first_pass = [c for c in d.candidates if not c.get("round")]
        working = {c["id"] for c in ok_candidates(d)}
        for g in d.generators:
            cs = [c for c in first_pass if c["generator"] == g] or [None]
            n = len([c for c in cs if c])
            rates[g] = {"generated ok": sum(bool(c) and c["status"] == Status.OK for c in cs) / max(n, 1),
                        "ran ok at some level": sum(bool(c) and c["id"] in working for c in cs) / max(n, 1),
                        "ran ok at every level": sum(bool(c) and run_outcome(d, c)[0] == "ok" for c in cs) / max(n, 1)}
        figs.append(Figure("figure4", F.success_figure(out / "figure4.png", "Figure 4: one-pass success per generator", rates),
                           "Figure 4: Per generator model, the share of its one-pass programs that generated ok, ran ok "
                           "at some level, and ran ok at every level."))
    return figs


# ---------------------------------------------------------------------------------------- renderers

def _md_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _anchor(key: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", key.lower())


def to_markdown(title: str, tables: list[Table], figures: list[Figure], generated: str) -> str:
    lines = [f"# {title}", "", f"_Generated {generated} by prunegen report._", ""]
    for t in tables:
        cols = list(t.frame.columns)
        lines += [f"## {t.title}", "", "| " + " | ".join(_md_escape(c) for c in cols) + " |",
                  "|" + "|".join("---" for _ in cols) + "|"]
        for row in t.frame.itertuples(index=False):
            lines.append("| " + " | ".join(_md_escape(str(v)) for v in row) + " |")
        lines.append("")
        lines += [f"- {_md_escape(n)}" for n in t.notes]
        lines += [f"- {_md_escape(f)}" for f in t.fingerprints]
        lines.append("")
    for f in figures:
        lines += [f"## {f.caption.split(':')[0]}", "", f"![{f.caption}]({f.path.name})", "", f"_{f.caption}_", ""]
    return "\n".join(lines)


CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1200px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.4}
h1{font-size:1.6em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ddd;padding-bottom:.2em}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0;display:block;overflow-x:auto}
th,td{border:1px solid #ccc;padding:.25em .55em;text-align:left;vertical-align:top}
th{background:#f2f2f2}td.num{text-align:right;font-variant-numeric:tabular-nums}
td.fail{background:#fde8e8;color:#8a1c1c}td.na{background:#f4f0ff;color:#4b3a8a}td.notrun{color:#888;font-style:italic}
ul.notes{font-size:.8em;color:#444;margin-top:.2em}ul.notes li.fp{font-family:ui-monospace,Menlo,Consolas,monospace}
figure{margin:1.5em 0}figure img{max-width:100%;border:1px solid #eee}figcaption{font-size:.85em;color:#444}
nav ul{columns:2;font-size:.85em}
"""


def to_html(title: str, tables: list[Table], figures: list[Figure], generated: str) -> str:
    e = html.escape
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>{e(title)}</title><style>{CSS}</style></head><body>",
           f"<h1>{e(title)}</h1><p><em>Generated {e(generated)} by prunegen report.</em></p>", "<nav><ul>"]
    out += [f'<li><a href="#{_anchor(t.key)}">{e(t.title)}</a></li>' for t in tables]
    out += [f'<li><a href="#{_anchor(f.key)}">{e(f.caption.split(":")[0])}</a></li>' for f in figures]
    out.append("</ul></nav>")
    for t in tables:
        out.append(f'<section id="{_anchor(t.key)}"><h2>{e(t.title)}</h2><table><thead><tr>')
        out += [f"<th>{e(str(c))}</th>" for c in t.frame.columns]
        out.append("</tr></thead><tbody>")
        for row in t.frame.itertuples(index=False):
            cells = "".join(f'<td class="{cell_class(str(v))}">{e(str(v))}</td>' for v in row)
            out.append(f"<tr>{cells}</tr>")
        out.append('</tbody></table><ul class="notes">')
        out += [f"<li>{e(n)}</li>" for n in t.notes]
        out += [f'<li class="fp">{e(f)}</li>' for f in t.fingerprints]
        out.append("</ul></section>")
    for f in figures:
        data = base64.b64encode(f.path.read_bytes()).decode("ascii")
        out.append(f'<section id="{_anchor(f.key)}"><figure><img alt="{e(f.caption)}" '
                   f'src="data:image/png;base64,{data}"><figcaption>{e(f.caption)}</figcaption></figure></section>')
    out.append("</body></html>")
    return "\n".join(out)


# ------------------------------------------------------------------------------------------- entry

def collect_tables(d: Data, table6_method: str | None = None) -> list[Table]:
    tables = table1(d) + table2(d) + table3(d) + table4(d) + table4c(d) + table5(d) + table6(d, table6_method)
    tables += [table_summary(d), table_jobs(d), table_cost(d)] + table_evolution(d)
    for t in tables:   # the promise of the module docstring, checked rather than hoped for
        bad = [(r, c) for c in t.frame.columns for r, v in enumerate(t.frame[c])
               if not isinstance(v, str) or v.strip() in ("", "NA", "nan", "NaN", "None")]
        if bad:
            raise AssertionError(f"{t.key}: empty or NA cells at {bad[:5]}")
    return tables


def render(store_or_path, out_dir, *, title: str | None = None, model: str | None = None,
           table6_method: str | None = None) -> Report:
    """Build every table and figure and write them; returns what was written."""
    store, owned, _ = _open(store_or_path)
    try:
        d = Data(store.rows(), store.candidates(), model, store.evolution())
    finally:
        if owned:
            store.close()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for stale in [*out.glob("table*.csv"), *out.glob("figure*.png")]:   # an earlier report's tables that this one lacks
        if re.fullmatch(r"(table\d+[a-z]?(-[A-Za-z0-9_]+)?\.csv|figure\d+\.png)", stale.name):
            stale.unlink()
    title = title or f"prunegen report: {d.model}"
    generated = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    tables = collect_tables(d, table6_method)
    figures = make_figures(d, out)
    files = []
    for t in tables:
        p = out / f"{t.key}.csv"
        t.frame.to_csv(p, index=False)
        files.append(p)
    md = out / "report.md"
    md.write_text(to_markdown(title, tables, figures, generated), encoding="utf-8")
    page = out / "report.html"
    page.write_text(to_html(title, tables, figures, generated), encoding="utf-8")
    files = [md, page, *files, *(f.path for f in figures)]
    return Report(out, tables, figures, files)


def build_report(store_path_or_store, out_dir, *, title: str | None = None, model: str | None = None,
                 table6_method: str | None = None) -> Path:
    """Write report.md, report.html (self-contained), tableN.csv and figureN.png under ``out_dir``.

    ``store_path_or_store``: a ResultsStore, a results.sqlite path or a run directory holding one.
    ``model``: which model's jobs to report (default: the one with most jobs).
    ``table6_method``: the method whose continuations Table 6 shows (default: best human method at 0.5).
    Returns ``out_dir`` as a Path.
    """
    return render(store_path_or_store, out_dir, title=title, model=model, table6_method=table6_method).out_dir
