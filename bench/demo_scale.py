#!/usr/bin/env python
"""How small can the demo's evaluation and calibration be and still rank the references as full scale does?
(issue 20, item 11)

Full scale (SmolLM2-135M, all 148 WikiText-2 test windows of 2048, 128 x 2048 C4 calibration, seed 0)
ranks SparseGPT < Wanda < magnitude at 0.5 and at 0.7. The CPU demo (1 window, 8 x 256) showed Wanda
ahead of SparseGPT at 0.5. This script prunes with prunegen's own reference pruners, in process (the
files under reference_pruners/, called through harness.core.interface as `prunegen baseline` calls them),
for a grid of calibration setups x seeds x levels, and scores every pruned model window by window, so
one pruning gives the perplexity over the first N windows for every N (and over all windows with --all).

    PRUNEGEN_DATA_DIR=../shared/data python bench/demo_scale.py --model smollm2-135m --device cpu \\
        --setups 8x256 --seeds 0 --windows 4 --jsonl out.jsonl --md out.md

Each JSONL row is one pruned model: method, level, calibration (nsamples, seqlen, seed), the seconds the
pruner took (calibration forwards + pruning), the achieved sparsity (counted here), the mean NLL of each
scored window, and the perplexity over the first N windows for each N. The markdown gives, per setup,
seed and N, the perplexities at each level and whether the order is SparseGPT < Wanda < magnitude.
Dense rows come first (method "dense"). The first windows are the same ones `prunegen run` scores with
eval.max_windows = N (harness.core.evaluate.eval_windows).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import torch  # noqa: E402

from harness.core.data import calibration, eval_text  # noqa: E402
from harness.core.evaluate import EvalSetup, eval_windows  # noqa: E402
from harness.core.interface import call_prune, load_candidate  # noqa: E402
from harness.core.models import load_model  # noqa: E402
from harness.core.perplexity import _split_lm, chunked_nll  # noqa: E402
from harness.core.sparsity import prunable_layers  # noqa: E402
from reference_pruners import USES_CALIBRATION, method_path  # noqa: E402

ORDER = ("sparsegpt", "wanda", "magnitude")   # the full-scale order at 0.5 and 0.7, best first


@torch.inference_mode()
def window_nlls(model, windows: torch.Tensor, device, batch_size: int) -> list[float]:
    """Mean next-token NLL of each window, as harness.core.perplexity.perplexity computes it over one window."""
    split = _split_lm(model)
    assert split is not None, "bench/demo_scale.py needs a model with a plain lm_head split"
    body, head, softcap = split
    out = []
    for start in range(0, windows.shape[0], batch_size):
        x = windows[start:start + batch_size].to(device)
        hidden = body(input_ids=x, use_cache=False).last_hidden_state
        for r in range(x.shape[0]):
            out.append(float(chunked_nll(hidden[r:r + 1], head, x[r:r + 1], 512, softcap)) / (x.shape[1] - 1))
    return out


def achieved(model) -> float:
    zeros = total = 0
    for layer in prunable_layers(model).values():
        w = layer.weight
        zeros += int((w == 0).sum())
        total += w.numel()
    return zeros / total


def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--dtype", default="float32")
    ap.add_argument("--methods", default="magnitude,wanda,sparsegpt")
    ap.add_argument("--program", action="append", default=[], metavar="NAME=PATH",
                    help="also prune with this candidate file (a search finalist), named NAME in the rows; "
                    "it is given the calibration ids as a calibrated reference is")
    ap.add_argument("--levels", default="0.5,0.7")
    ap.add_argument("--setups", default="8x256,16x256,32x256,8x512,16x512,32x512,16x1024,128x2048",
                    help="calibration nsamples x seqlen, comma-separated")
    ap.add_argument("--seeds", default="0", help="calibration seeds for every setup")
    ap.add_argument("--extra-seeds", default="", help="more seeds, run after every setup's --seeds")
    ap.add_argument("--extra-setups", default="", help="the setups --extra-seeds apply to (default: all but the last)")
    ap.add_argument("--windows", type=int, default=4, help="score the first N test windows one by one")
    ap.add_argument("--all", action="store_true", help="also score every test window (the full-scale number)")
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--budget-s", type=float, default=1e9, help="stop starting new pruning jobs after this")
    ap.add_argument("--time-only", type=int, metavar="BLOCKS", default=0,
                    help="no grid: time one window of dense scoring on the whole model, then one level of each "
                    "method per setup (--seeds' first seed, --levels' first level), --repeat times interleaved, on a "
                    "copy cut to its first BLOCKS decoder blocks (every block has the same shape, so a per-block "
                    "cost times 30 / BLOCKS is the whole model's, apart from the embedding and, for methods that "
                    "run the whole model, lm_head)")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--jsonl", required=True, help="rows out; with --merge, the merged rows out")
    ap.add_argument("--merge", nargs="*", help="no run: merge these JSONL files (dense and magnitude rows from the "
                    "first only) into --jsonl and write --md from them")
    ap.add_argument("--md")
    args = ap.parse_args()
    missing = [m for m in ORDER if m not in args.methods.split(",")]
    if args.md and not args.merge and missing:   # before any minute of pruning, not after it
        ap.error(f"--md tabulates the order {' < '.join(ORDER)}: --methods lacks {', '.join(missing)} "
                 "(leave out --md and read the JSONL rows)")
    if args.merge:
        rows = []
        for i, f in enumerate(args.merge):
            for line in Path(f).read_text().splitlines():
                r = json.loads(line)
                if i == 0 or "calib" in r:
                    rows.append(r)
        Path(args.jsonl).write_text("".join(json.dumps(r) + "\n" for r in rows))
        if args.md:
            Path(args.md).write_text(markdown(rows, args, []))
        return 0

    t_start = time.perf_counter()
    torch.backends.cuda.matmul.allow_tf32 = False      # fp32 as the CPU computes it
    torch.backends.cudnn.allow_tf32 = False
    lm = load_model(args.model, dtype=args.dtype, device=args.device)
    model, dev = lm.model, args.device
    print(f"model {args.model} loaded in {lm.info.load_seconds:.1f}s on {dev} ({lm.info.dtype}); "
          f"torch {torch.__version__} threads {torch.get_num_threads()}", flush=True)
    text = eval_text("wikitext2")
    every = eval_windows(lm.tokenizer, text, EvalSetup(max_windows=None))
    first = every[:args.windows]
    dense = {k: v.detach().clone() for k, v in model.state_dict().items()}
    methods = [m for m in args.methods.split(",") if m]
    levels = [float(x) for x in args.levels.split(",") if x]
    setups = [tuple(int(v) for v in s.split("x")) for s in args.setups.split(",") if s]
    seeds = [int(s) for s in args.seeds.split(",") if s]
    extra_seeds = [int(s) for s in args.extra_seeds.split(",") if s]
    extra_setups = ([tuple(int(v) for v in s.split("x")) for s in args.extra_setups.split(",") if s]
                    or setups[:-1])
    prune_fns = {m: load_candidate(method_path(m)) for m in methods}
    programs = dict(spec.split("=", 1) for spec in args.program)
    for name, path in programs.items():
        if name in prune_fns:
            ap.error(f"--program {name}: the name is already a method of this run")
        prune_fns[name] = load_candidate(Path(path))
        methods.append(name)
    if args.time_only:
        return time_only(args, lm, first, dense, methods, levels[0], setups, seeds[0], prune_fns)
    out = open(args.jsonl, "w")
    rows = []

    def score(row: dict) -> None:
        sync(dev)
        t0 = time.perf_counter()
        nll = window_nlls(model, first, dev, args.batch_size)
        sync(dev)
        row["score_seconds_first"] = time.perf_counter() - t0
        row["window_nll"] = nll
        row["ppl_first"] = {str(n): math.exp(sum(nll[:n]) / n) for n in range(1, len(nll) + 1)}
        if args.all:
            all_nll = nll + window_nlls(model, every[len(nll):], dev, args.batch_size)
            row["ppl_all"] = math.exp(sum(all_nll) / len(all_nll))
            row["windows_all"] = len(all_nll)
        row.update(device=dev, dtype=lm.info.dtype, model=args.model)
        rows.append(row)
        out.write(json.dumps(row) + "\n")
        out.flush()
        ppl = " ".join(f"{n}w {p:10.3f}" for n, p in row["ppl_first"].items())
        allp = f" all {row['ppl_all']:10.3f}" if "ppl_all" in row else ""
        print(f"{row['method']:>9} {row['level']:<4} calib {row.get('calib', '-'):>12} seed {row.get('seed', '-')} "
              f"prune {row.get('prune_seconds', 0):6.2f}s score {row['score_seconds_first']:5.2f}s | {ppl}{allp}",
              flush=True)

    model.load_state_dict(dense)
    score({"method": "dense", "level": 0.0})

    def prune(method: str, level: float, calib_ids: torch.Tensor, extra: dict) -> None:
        model.load_state_dict(dense)
        sync(dev)
        t0 = time.perf_counter()
        call_prune(prune_fns[method], model, level, calib_ids, pattern="unstructured", device=dev,
                   layers=prunable_layers(model))
        sync(dev)
        score({"method": method, "level": level, "prune_seconds": time.perf_counter() - t0,
               "achieved": achieved(model), **extra})

    for level in levels:
        if "magnitude" in methods:
            prune("magnitude", level, torch.empty(0, 1, dtype=torch.long), {})

    jobs = [(s, seed) for seed in seeds for s in setups] + [(s, seed) for seed in extra_seeds for s in extra_setups]
    skipped = []
    for (nsamples, seqlen), seed in jobs:
        if time.perf_counter() - t_start > args.budget_s:
            skipped.append(f"{nsamples}x{seqlen} seed {seed}")
            continue
        t0 = time.perf_counter()
        c = calibration(lm.tokenizer, "c4", nsamples=nsamples, seqlen=seqlen, seed=seed)
        draw_s = time.perf_counter() - t0
        extra = {"calib": f"{nsamples}x{seqlen}", "nsamples": nsamples, "seqlen": seqlen, "seed": seed,
                 "draw": c.describe["draw"], "draw_seconds": draw_s}
        for method in methods:
            if method not in USES_CALIBRATION and method not in programs:
                continue
            for level in levels:
                prune(method, level, c.ids, extra)
    out.close()
    if skipped:
        print("skipped for the budget: " + ", ".join(skipped), flush=True)
    print(f"total {time.perf_counter() - t_start:.1f}s", flush=True)
    if args.md:
        Path(args.md).write_text(markdown(rows, args, skipped))
    return 0


def time_only(args, lm, first, dense, methods, level, setups, seed, prune_fns) -> int:
    model, dev = lm.model, args.device
    out = open(args.jsonl, "w")

    def emit(row):
        row.update(device=dev, dtype=lm.info.dtype, model=args.model, threads=torch.get_num_threads())
        out.write(json.dumps(row) + "\n")
        out.flush()
        print(json.dumps(row), flush=True)

    t0 = time.perf_counter()
    nll = window_nlls(model, first[:1], dev, 1)
    emit({"timing": "score", "windows": 1, "seconds": time.perf_counter() - t0, "ppl": math.exp(nll[0])})
    layers = model.model.layers
    model.model.layers = layers[:args.time_only]
    model.config.num_hidden_layers = args.time_only
    dense = {k: v for k, v in model.state_dict().items()}
    dense = {k: v.detach().clone() for k, v in dense.items()}
    calibs = {s_: calibration(lm.tokenizer, "c4", nsamples=s_[0], seqlen=s_[1], seed=seed).ids for s_ in setups}
    for rep in range(args.repeat):
        for (nsamples, seqlen) in setups:
            for method in methods:
                model.load_state_dict(dense)
                t0 = time.perf_counter()
                call_prune(prune_fns[method], model, level, calibs[(nsamples, seqlen)], pattern="unstructured",
                           device=dev, layers=prunable_layers(model))
                emit({"timing": "prune", "method": method, "level": level, "calib": f"{nsamples}x{seqlen}",
                      "seed": seed, "blocks": args.time_only, "repeat": rep, "seconds": time.perf_counter() - t0})
    out.close()
    return 0


def fmt(p: float) -> str:
    return f"{p:,.1f}" if p >= 100 else f"{p:.2f}"


def markdown(rows: list[dict], args, skipped: list[str]) -> str:
    """Per setup x seed x N windows: each method's perplexity at each level and whether the order holds."""
    mag = {r["level"]: r for r in rows if r["method"] == "magnitude"}
    dense = next(r for r in rows if r["method"] == "dense")
    levels = sorted(mag)
    keys = []
    for r in rows:
        k = (r.get("calib"), r.get("seed"))
        if k[0] is not None and k not in keys:
            keys.append(k)
    order = {c: i for i, c in enumerate(dict.fromkeys(k[0] for k in keys))}
    keys.sort(key=lambda k: (order[k[0]], k[1]))
    cal = {(r["calib"], r["seed"], r["method"], r["level"]): r for r in rows if "calib" in r}
    ns = sorted(int(n) for n in dense["ppl_first"]) + (["all"] if "ppl_all" in dense else [])

    def ppl(r, n):
        return r.get("ppl_all", float("nan")) if n == "all" else r["ppl_first"][str(n)]

    lines = [f"# Demo scale: reference ranking by windows x calibration ({rows[0]['model']}, "
             f"{rows[0]['dtype']}, {rows[0]['device']})", "",
             f"Levels {', '.join(map(str, levels))}; each setup's calibration is C4 (harness.core.data.calibration), drawn "
             "with the seed shown; windows: the first N WikiText-2 test windows of 2048 (N = all: every one).", "",
             "Order wanted at every level: " + " < ".join(ORDER) + " (full scale: 148 windows, 128 x 2048). "
             "`ok` when it holds, else the order seen.", "",
             "Dense: " + ", ".join(f"{n} w {fmt(ppl(dense, n))}" for n in ns), ""]
    head = "| calib | seed | windows | " + " | ".join(
        f"{m[:4]} {lv}" for lv in levels for m in ORDER) + " | " + " | ".join(f"order {lv}" for lv in levels) + " |"
    lines += [head, "|" + " --- |" * (3 + len(levels) * (len(ORDER) + 1))]
    summary: dict = {}
    for calib, seed in keys:
        for n in ns:
            if n == "all" and "ppl_all" not in cal.get((calib, seed, "wanda", levels[0]), {}):
                continue
            cells, verdicts = [], []
            for lv in levels:
                got = {}
                for m in ORDER:
                    r = mag.get(lv) if m == "magnitude" else cal.get((calib, seed, m, lv))
                    got[m] = ppl(r, n) if r else float("nan")
                    cells.append(fmt(got[m]))
                seen = sorted(ORDER, key=lambda m: got[m])
                verdicts.append("ok" if tuple(seen) == ORDER else " < ".join(s[:4] for s in seen))
            lines.append(f"| {calib} | {seed} | {n} | " + " | ".join(cells) + " | " + " | ".join(verdicts) + " |")
            s = summary.setdefault((calib, n), [0, 0])
            s[0] += all(v == "ok" for v in verdicts)
            s[1] += 1
    ns_seen = [n for n in ns if any(k[1] == n for k in summary)]
    lines += ["", "Seeds whose order matches full scale at every level, by calibration (rows) and windows (columns):", "",
              "| calib | " + " | ".join(f"{n} w" for n in ns_seen) + " |", "|" + " --- |" * (1 + len(ns_seen))]
    for calib in dict.fromkeys(k[0] for k in keys):
        lines.append(f"| {calib} | " + " | ".join(
            "{}/{}".format(*summary[(calib, n)]) if (calib, n) in summary else "-" for n in ns_seen) + " |")
    times = {}
    for r in rows:
        if "calib" in r:
            times.setdefault((r["method"], r["calib"]), []).append(r["prune_seconds"])
    lines += ["", "Seconds per level (calibration forwards + pruning), median over levels and seeds, this device:", "",
              "| method | calib | s |", "| --- | --- | --- |"]
    for (m, c), ts in times.items():
        lines.append(f"| {m} | {c} | {sorted(ts)[len(ts) // 2]:.2f} |")
    sc = [r["score_seconds_first"] / len(r["window_nll"]) for r in rows]
    lines += ["", f"Scoring: {sorted(sc)[len(sc) // 2]:.3f} s per 2048-token window (median)."]
    if skipped:
        lines += ["", "Skipped for the time budget: " + ", ".join(skipped)]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
