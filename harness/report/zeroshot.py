"""Table 11: zero-shot scores through lm-eval (harness/run/zeroshot.py), per task and their mean, one row per
scored job, as Wanda's paper prints its zero-shot table (accuracy in %, a Mean column over the accuracy
tasks). Perplexity-like tasks (lm-eval's ``wikitext``) get their own column and are never averaged."""

from __future__ import annotations

from harness.core.interface import Status
from harness.core.metrics import PERPLEXITY_LIKE, zero_shot_headline, zero_shot_mean
from .cells import fmt_level
from .programs import candidate_labels
from .table import Table, make_table
from .view import Data

KIND_ORDER = {"dense": 0, "reference": 1, "candidate": 2}


def _cell(metric: str, value) -> str:
    if value is None:
        return "not run"
    if metric in PERPLEXITY_LIKE:
        return f"{value:.2f}"
    return f"{100 * value:.2f}"


def table_zero_shot(d: Data) -> list[Table]:
    jobs = [j for j in d.jobs if j.status in (Status.OK, Status.COLLAPSED) and j.extra.get("zero_shot")]
    if not jobs:
        return []
    jobs.sort(key=lambda j: (j.pattern != "unstructured", j.pattern, j.sparsity, KIND_ORDER.get(j.kind, 3),
                             j.method))
    tasks: dict[str, str] = {}
    for j in jobs:
        for task, metrics in j.extra["zero_shot"].items():
            tasks.setdefault(task, zero_shot_headline(metrics)[0])
    labels = candidate_labels(d)
    columns = ["Method", "Pattern", "Level", "Perplexity"] + [f"{t} ({m})" for t, m in tasks.items()] + ["Mean"]
    rows = []
    for j in jobs:
        scores = j.extra["zero_shot"]
        row = {"Method": "dense" if j.kind == "dense" else labels.get(j.method, j.method),
               "Pattern": j.pattern, "Level": fmt_level(j.sparsity),
               "Perplexity": f"{j.perplexity:.3f}" if j.perplexity is not None else "not measured"}
        for t, m in tasks.items():
            row[f"{t} ({m})"] = _cell(m, (scores.get(t) or {}).get(m))
        mean = zero_shot_mean(scores)
        row["Mean"] = f"{100 * mean:.2f}" if mean is not None else "no accuracy task"
        rows.append(row)
    fps = [(j.fingerprint or {}).get("zero_shot") or {} for j in jobs]
    versions = sorted({fp.get("lm_eval") or "?" for fp in fps})
    task_versions = {}
    for fp in fps:
        task_versions.update(fp.get("task_versions") or {})
    notes = [f"Scored by lm-eval {', '.join(versions)} zero-shot on the pruned model in memory (HFLM); task versions: "
             + ", ".join(f"{t} {v}" for t, v in sorted(task_versions.items())) + ". Accuracies in %; Mean is over the "
             "accuracy tasks only; perplexity-like metrics (word perplexity, bits per byte) are shown as they are."]
    limits = sorted({fp.get("limit") for fp in fps if fp.get("limit") is not None})
    if limits:
        notes.append(f"Only the first {', '.join(f'{x:g}' for x in limits)} document(s) of each task were scored "
                     "(zero_shot_limit): a smoke test of the setup, not the benchmark's number.")
    local = sorted({t for fp in fps for t, data in (fp.get("data") or {}).items() if (data or {}).get("source") == "local"})
    if local:
        notes.append(f"{', '.join(local)}: lm-eval's own task definition, documents read from the local WikiText-2 copy "
                     "(harness/run/lmeval_tasks/).")
    return [make_table("table11", f"Table 11: Zero-shot scores through lm-eval ({d.model})", rows, columns, notes, jobs)]
