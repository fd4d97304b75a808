"""Zero-shot scores through EleutherAI's lm-evaluation-harness (``lm_eval``), the field's standard beside
perplexity (Wanda's and SparseGPT's papers report both).

The model is handed to lm-eval's ``HFLM`` wrapper as it is in memory (a run's pruned model, never a
re-load), and lm-eval does everything else: its own task definitions, prompts and metrics. prunegen adds
no evaluator of its own. One task is redefined, only in where its documents come from: lm-eval's
``wikitext`` (rolling log-likelihood over whole articles: word perplexity, byte perplexity, bits per
byte) reads the local WikiText-2 copy under ``PRUNEGEN_DATA_DIR`` when that is set
(``harness/run/lmeval_tasks/``), so it runs offline. Every other task needs its hub dataset in the local HF
cache or a reachable hub; :func:`missing_data` says which is missing and how to get it, one line each,
before any model is loaded.

``pip install -e '.[lmeval]'`` (``make setup`` does) installs it.
"""

from __future__ import annotations

import functools
import logging
import math
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path

LOCAL_TASKS = Path(__file__).resolve().parent / "lmeval_tasks"
# Tasks defined in LOCAL_TASKS, and the file under PRUNEGEN_DATA_DIR each reads.
LOCAL_DATA = {"wikitext": "wikitext-2-raw/wiki.test.raw"}
INSTALL = "pip install -e '.[lmeval]' (make setup does)"


class ZeroShotError(ValueError):
    """lm-eval, a task or its data is missing; the message says what and how to get it."""


def lm_eval_version() -> str | None:
    import importlib.metadata as md
    try:
        return md.version("lm_eval")
    except md.PackageNotFoundError:
        return None


def parse_tasks(text: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    items = text.split(",") if isinstance(text, str) else list(text)
    tasks = tuple(dict.fromkeys(t.strip() for t in items if t.strip()))
    if not tasks:
        raise ZeroShotError("no task named: give one or more lm-eval task names, e.g. wikitext,boolq,piqa")
    return tasks


def _quiet() -> None:
    for name in ("lm_eval", "lm-eval", "lm_eval.tasks", "lm_eval.api", "lm_eval.models", "lm_eval.evaluator"):
        logging.getLogger(name).setLevel(logging.ERROR)


@functools.lru_cache(maxsize=2)
def _task_manager(local: bool):
    _quiet()
    from lm_eval.tasks import TaskManager
    return TaskManager(include_path=str(LOCAL_TASKS) if local else None)


def task_manager():
    """lm-eval's TaskManager; with PRUNEGEN_DATA_DIR set, the local task definitions take precedence."""
    from harness.core.data import data_dir
    return _task_manager(data_dir() is not None)


def _hub_reachable(timeout: float = 3.0) -> bool:
    if os.environ.get("HF_HUB_OFFLINE", "0") not in ("", "0") or os.environ.get("HF_DATASETS_OFFLINE", "0") not in ("", "0"):
        return False
    try:
        with socket.create_connection(("huggingface.co", 443), timeout=timeout):
            return True
    except OSError:
        return False


def _in_hf_cache(path: str) -> bool:
    """Whether the HF caches hold anything of dataset ``path`` (hub files or a prepared copy)."""
    from datasets import config as dconfig
    from huggingface_hub import constants

    hub = Path(constants.HF_HUB_CACHE) / f"datasets--{path.replace('/', '--')}"
    prepared = Path(dconfig.HF_DATASETS_CACHE) / path.replace("/", "___")
    return hub.is_dir() or prepared.is_dir()


def _leaves(tm, name: str) -> list[str]:
    """The tasks a name stands for: itself, or a group's / tag's member tasks (one level of names)."""
    from lm_eval.tasks._index import Kind
    entry = tm._entry(name)
    if entry is None or entry.kind in (Kind.TASK, Kind.PY_TASK):
        return [name]
    members = (entry.cfg or {}).get("task") or []
    if entry.kind is Kind.TAG:
        members = [n for n, e in tm.task_index.items() if name in (e.tags or ())]
    out = []
    for m in members if isinstance(members, list) else [members]:
        if isinstance(m, str):
            out += _leaves(tm, m)
    return out


def missing_data(tasks: tuple[str, ...]) -> list[str]:
    """One line per task that cannot run here (lm-eval absent, unknown name, data missing): what and how to get it."""
    if lm_eval_version() is None:
        return [f"lm-eval is not installed: {INSTALL}"]
    from harness.core.data import data_dir
    tm = task_manager()
    root = data_dir()
    problems, reachable = [], None
    for name in tasks:
        if name not in tm.all_tasks:
            problems.append(f"{name}: not an lm-eval task (lm-eval {lm_eval_version()}: `lm-eval ls tasks` lists them)")
            continue
        for leaf in _leaves(tm, name):
            if leaf in LOCAL_DATA and root is not None:
                path = root / LOCAL_DATA[leaf]
                if not path.is_file():
                    problems.append(f"{leaf}: its local data {path} is missing; put WikiText-2 raw there "
                                    "(wikitext-2-raw/wiki.test.raw) or unset PRUNEGEN_DATA_DIR to use the hub's copy")
                continue
            cfg = (tm._entry(leaf).cfg if tm._entry(leaf) else None) or {}
            ds = cfg.get("dataset_path")
            if not ds or cfg.get("custom_dataset") or Path(str(ds)).exists() or _in_hf_cache(ds):
                continue
            if reachable is None:
                reachable = _hub_reachable()
            if not reachable:
                sub = cfg.get("dataset_name")
                args = f"{ds!r}" + (f", {sub!r}" if sub else "")
                problems.append(f"{leaf}: its data, hub dataset {ds}{f' ({sub})' if sub else ''}, is not in the HF cache "
                                f"and the hub is unreachable; where it is reachable run python -c \"import datasets; "
                                f"datasets.load_dataset({args})\" and copy the HF cache (~/.cache/huggingface) here")
    return problems


def check(tasks: tuple[str, ...]) -> None:
    """Raise ZeroShotError listing every task that cannot run (call it before loading any model)."""
    problems = missing_data(tasks)
    if problems:
        raise ZeroShotError("zero-shot tasks cannot run here:\n  " + "\n  ".join(problems))


@dataclass(frozen=True)
class ZeroShotResult:
    scores: dict          # task -> {metric: value} (lm-eval's numbers; stderr dropped)
    fingerprint: dict     # lm-eval version, task versions, shots, limit, batch size, max length, data
    seconds: float
    samples: dict | None = None   # task -> lm-eval's logged samples, when asked for

    def as_dict(self) -> dict:
        return {"scores": self.scores, "fingerprint": self.fingerprint, "seconds": self.seconds}


def _task_data(tm, task: str) -> dict:
    from harness.core.data import data_dir
    root = data_dir()
    if task in LOCAL_DATA and root is not None:
        from harness.core.models import file_sha256
        path = root / LOCAL_DATA[task]
        return {"source": "local", "file": LOCAL_DATA[task], "sha256": file_sha256(path)}
    cfg = (tm._entry(task).cfg if tm._entry(task) else None) or {}
    return {"source": "hub", "dataset_path": cfg.get("dataset_path"), "dataset_name": cfg.get("dataset_name")}


def setup_fingerprint(tasks: tuple[str, ...], *, limit: int | float | None = None, batch_size: int = 1,
                      max_length: int | None = None) -> dict:
    """What the zero-shot numbers depend on besides the model, known before running (part of job keys)."""
    return {"lm_eval": lm_eval_version(), "tasks": list(tasks), "num_fewshot": 0, "limit": limit,
            "batch_size": batch_size, "max_length": max_length}


def evaluate(model, tokenizer, tasks: tuple[str, ...], *, limit: int | float | None = None, batch_size: int = 1,
             max_length: int | None = None, prefix_token_id: int | None = None, log_samples: bool = False,
             task_configs: list[dict] | None = None) -> ZeroShotResult:
    """lm-eval's scores of ``model`` (in memory, as it is now) on ``tasks``, zero-shot.

    task_configs: inline lm-eval task configs (dicts) run beside ``tasks`` (tests use one)."""
    import torch

    _quiet()
    from lm_eval import simple_evaluate
    from lm_eval.models.huggingface import HFLM

    if prefix_token_id is None and getattr(tokenizer, "eos_token_id", None) is None \
            and getattr(tokenizer, "bos_token_id", None) is None:
        raise ZeroShotError("the tokenizer has no EOS or BOS token, which lm-eval puts before each document as the "
                            "first context of its log-likelihoods")
    tm = task_manager()
    hflm = HFLM(pretrained=model, tokenizer=tokenizer, batch_size=batch_size, max_length=max_length,
                prefix_token_id=prefix_token_id)
    t0 = time.perf_counter()
    with torch.inference_mode():
        out = simple_evaluate(model=hflm, tasks=list(tasks) + list(task_configs or []), task_manager=tm,
                              num_fewshot=0, limit=limit, bootstrap_iters=0, log_samples=log_samples,
                              random_seed=0, numpy_random_seed=1234, torch_random_seed=1234,
                              fewshot_random_seed=1234)
    seconds = time.perf_counter() - t0
    scores = {}
    for task, metrics in out["results"].items():
        scores[task] = {k.split(",")[0]: v for k, v in metrics.items()
                        if k not in ("alias", "sample_len") and "_stderr" not in k and isinstance(v, (int, float))}
    fp = {**setup_fingerprint(tasks, limit=limit, batch_size=batch_size, max_length=hflm.max_length),
          "task_versions": {t: out.get("versions", {}).get(t) for t in scores},
          "n_shot": {t: out.get("n-shot", {}).get(t) for t in scores},
          "n_samples": {t: (out.get("n-samples", {}).get(t) or {}).get("effective") for t in scores},
          "data": {t: _task_data(tm, t) for t in scores if t in tasks}}
    return ZeroShotResult(scores, fp, seconds, out.get("samples") if log_samples else None)


def format_table(scores: dict) -> str:
    """A Markdown table of one model's scores: every metric of every task, then the mean accuracy."""
    lines = ["| task | metric | value |", "| --- | --- | --- |"]
    for task, metrics in scores.items():
        for m, v in metrics.items():
            lines.append(f"| {task} | {m} | {v:.4f} |" if isinstance(v, float) else f"| {task} | {m} | {v} |")
    from harness.core.metrics import zero_shot_mean
    mean = zero_shot_mean(scores)
    if mean is not None:
        lines.append(f"| mean | accuracy | {mean:.4f} |")
    return "\n".join(lines)


def cmd_zeroshot(args) -> int:
    import json
    import sys

    from harness.core.models import ModelResolutionError, load_model

    try:
        tasks = parse_tasks(args.tasks)
        check(tasks)                                    # before any model is loaded
        lm = load_model(args.model, dtype=args.dtype, device=args.device)
        res = evaluate(lm.model, lm.tokenizer, tasks, limit=args.limit, batch_size=args.batch_size,
                       max_length=args.max_length)
    except (ZeroShotError, ModelResolutionError) as e:
        print(f"prunegen zeroshot: error: {e}", file=sys.stderr)
        return 2
    info = Path(args.model) / "prunegen-export.json"
    what = ""
    if info.is_file():
        meta = json.loads(info.read_text())
        what = (f" ({meta['kind']} {meta['method']} at {meta['level']:g} {meta['pattern']} of {meta['model']}; "
                f"perplexity {meta['perplexity']!r})")
    if args.json:
        print(json.dumps({"model": args.model, **res.as_dict()}, indent=2))
    else:
        print(f"{args.model}{what}: lm-eval {res.fingerprint['lm_eval']}, zero-shot, "
              f"{res.seconds:.1f} s\n" + format_table(res.scores))
    return 0


def register(sub) -> None:
    p = sub.add_parser("zeroshot", help="zero-shot scores of a model (e.g. an export-model folder) through lm-eval")
    p.add_argument("model", metavar="DEST_OR_MODEL", help="an export-model folder, HF folder, built-in name or hub id")
    p.add_argument("--tasks", required=True, help="lm-eval task names, comma-separated, e.g. wikitext,boolq,piqa")
    p.add_argument("--limit", type=float, default=None,
                   help="score only the first N documents of each task (or a fraction < 1): a smoke test, not a result")
    p.add_argument("--batch-size", type=int, default=1)
    p.add_argument("--max-length", type=int, default=None, help="lm-eval's window (default: the model's context)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--dtype", default="float32")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_zeroshot)
