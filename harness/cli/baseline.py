"""``prunegen baseline``: the human reference pruners x sparsity levels -> perplexity (the paper's Table 1).

Each level starts from the dense weights (restored in memory, not reloaded), runs the method through
the candidate interface, passes the same trusted validation a generated candidate gets, and is then
scored. Results go to the run's results store as each job finishes; a rerun skips finished jobs.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import torch

from harness.core.evaluate import EvalSetup
from harness.core.interface import CandidateError, NotApplicable, Status, call_prune, load_candidate
from harness.core.numbers import fmt_ppl
from harness.core.models import LoadedModel
from .args import add_eval_args, add_model_args
from harness.run.config import PAPER_LEVELS, CalibrationConfig
from harness.run.scoring import open_session, row
from harness.core.sparsity import pattern_sparsity, prunable_layers, prunable_weight_names
from harness.run.folder import RunFolder
from harness.run.store import JobRow, ResultsStore
from harness.core.validation import validate



def prune_in_process(lm: LoadedModel, path: Path, sparsity: float, pattern: str, calib_ids: torch.Tensor,
                     dense: dict[str, torch.Tensor], rule: str = "two-sided") -> tuple[Status, str, float, float | None]:
    """Restore the dense weights, run the pruner file, validate. Returns (status, detail, seconds, achieved)."""
    lm.model.load_state_dict(dense)
    t0 = time.perf_counter()
    try:
        fn = load_candidate(path)
        call_prune(fn, lm.model, pattern_sparsity(pattern, sparsity), calib_ids, pattern=pattern,
                   device=lm.info.device, layers=prunable_layers(lm.model))
    except CandidateError as e:
        return e.status, str(e), time.perf_counter() - t0, None
    except NotApplicable as e:
        return Status.NOT_APPLICABLE, f"not applicable: {e}", time.perf_counter() - t0, None
    except torch.OutOfMemoryError as e:
        return Status.OUT_OF_MEMORY, str(e)[:500], time.perf_counter() - t0, None
    except Exception as e:  # the pruner's own bug: report it, keep the sweep going
        return Status.RUNTIME_ERROR, f"{type(e).__name__}: {e}", time.perf_counter() - t0, None
    seconds = time.perf_counter() - t0
    pruned = {k: v.detach() for k, v in lm.model.state_dict().items()}
    verdict = validate(dense, pruned, prunable_weight_names(lm.model), pattern_sparsity(pattern, sparsity), pattern,
                       rule)
    achieved = verdict.sparsity.overall if verdict.sparsity else None
    return verdict.status, verdict.detail, seconds, achieved


def run_baseline(model: str, methods: list[str], sparsities: list[float], pattern: str, store: ResultsStore, *,
                 calib: CalibrationConfig = CalibrationConfig(), setup: EvalSetup = EvalSetup(), device: str = "cpu",
                 dtype: str = "float32", prompt: str = "University is", echo=print) -> list[dict]:
    """Every method x level, in this process; each job is stored as it finishes and skipped on a rerun."""
    from reference_pruners import USES_CALIBRATION, hyperparameters, method_path, sparsity_rule

    session = open_session(model, store, setup=setup, calibration=calib, prompt=prompt, dtype=dtype, device=device)
    lm, scorer = session.lm, session.scorer
    calib_ids, calib_desc = None, None
    if any(m in USES_CALIBRATION for m in methods):
        calib_ids, calib_desc = session.calib.ids, session.calib.describe
    empty_calib = torch.empty(0, calib.seqlen, dtype=torch.long)
    out = []
    dense_result = scorer.record_dense()
    if dense_result:
        out.append(row(dense_result))
        echo(out[-1])
    for method in methods:
        path = method_path(method)
        uses = method in USES_CALIBRATION
        hyper = hyperparameters(method)
        for s in sparsities:
            key = scorer.key("reference", method, s, pattern)
            if store.has(key):
                continue
            status, detail, secs, achieved = prune_in_process(lm, path, s, pattern, calib_ids if uses else empty_calib,
                                                              scorer.dense, sparsity_rule(method))
            result = scorer.record(key, status, detail, prune_seconds=secs, achieved=achieved,
                                   calibration=calib_desc if uses else None,
                                   extra={"hyperparameters": hyper} if hyper else None)
            out.append(row(result))
            echo(out[-1])
    return out


def _parse_levels(text: str) -> list[float]:
    if text == "paper":
        return list(PAPER_LEVELS)
    levels = [float(x) for x in text.split(",") if x.strip()]
    bad = [x for x in levels if not 0 < x < 1]
    if bad:
        raise ValueError(f"sparsity levels must lie in (0, 1), got {bad}")
    return levels


def cmd_baseline(args) -> int:
    from reference_pruners import METHODS

    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise ValueError(f"unknown methods {unknown}; known: {', '.join(METHODS)}")
    levels = _parse_levels(args.sparsities)
    run_dir = Path(args.run_dir)

    def echo(row):
        if args.json:
            print(json.dumps(row), flush=True)
        else:
            ppl = fmt_ppl(row["perplexity"]) or "-"
            ach = f"{row['achieved_sparsity']:.4f}" if row["achieved_sparsity"] is not None else "-"
            print(f"{row['method']:>14} {row['pattern']:>12} {row['sparsity']:>5} achieved {ach:>7} "
                  f"ppl {ppl:>12} {row['status']:<16} {row['seconds']:7.1f}s", file=sys.stdout, flush=True)

    with ResultsStore(RunFolder(run_dir).store) as store:
        run_baseline(args.model, methods, levels, args.pattern, store,
                     calib=CalibrationConfig(args.calib, args.nsamples, args.calib_seqlen or args.seqlen, args.seed),
                     setup=EvalSetup(args.data, args.seqlen, args.max_windows, args.batch_size, args.compile),
                     device=args.device, dtype=args.dtype, echo=echo)
        if not args.json:
            print_table(store.rows(model=args.model, pattern=args.pattern) + store.rows(model=args.model, kind="dense"))
    return 0


def print_table(rows: list[JobRow]) -> None:
    """Methods as columns, levels as rows, like the paper's Table 1; a status where there is no number."""
    import pandas as pd

    if not rows:
        return
    df = pd.DataFrame({"sparsity": [r.sparsity for r in rows], "method": [r.method for r in rows],
                       "cell": [f"{r.perplexity:.3f}" if r.perplexity is not None and r.perplexity == r.perplexity
                                else r.status for r in rows]})
    table = df.pivot_table(index="sparsity", columns="method", values="cell", aggfunc="last")
    print(table.fillna("").to_string())


def register(sub) -> None:
    p = sub.add_parser("baseline", help="prune with the human reference methods and score them (Table 1)")
    add_model_args(p)
    add_eval_args(p)
    p.add_argument("--methods", default="magnitude,wanda,sparsegpt",
                   help="comma-separated, e.g. magnitude, wanda, sparsegpt, movement, movement-0shot, wanda-authors, -weights, bias (see reference_pruners/__init__.py)")
    p.add_argument("--sparsities", default="0.5", help="comma-separated levels in (0,1), or 'paper' for the 13 levels of Table 1")
    p.add_argument("--pattern", default="unstructured", help="unstructured, 2:4 or 4:8")
    p.add_argument("--calib", default="c4", help="calibration source: c4, wikitext2 or text:PATH")
    p.add_argument("--nsamples", type=int, default=128)
    p.add_argument("--calib-seqlen", type=int, default=None, help="calibration window length (default: --seqlen)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--run-dir", default="runs/baseline", help="results go to RUN_DIR/results.sqlite")
    p.add_argument("--json", action="store_true", help="one JSON object per job")
    p.set_defaults(func=cmd_baseline)
