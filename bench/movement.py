"""How movement pruning's learned scores depend on training length, against magnitude and Wanda.

Movement pruning (reference_pruners/movement.py) learns its scores for T = EPOCHS x nsamples steps.
This prints WikiText-2 perplexity for magnitude, Wanda, movement-0shot and movement at several
EPOCHS, at the given levels, same calibration windows and same evaluation windows for all, in this
process (a benchmark of the method, not of the sandbox):

    python bench/movement.py --model smollm2-135m --device cuda --nsamples 128 --seqlen 2048 --epochs 2,8,32
    python bench/movement.py --model smollm2-135m --nsamples 8 --seqlen 256 --epochs 2 --max-windows 1   # CPU

One line per (method, level): perplexity, seconds to prune, and steps where movement trained.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--dtype", default="float32")
    ap.add_argument("--nsamples", type=int, default=8)
    ap.add_argument("--seqlen", type=int, default=256)
    ap.add_argument("--max-windows", type=int, default=None, help="WikiText-2 test windows of 2048 (default: all)")
    ap.add_argument("--levels", default="0.01,0.1,0.3,0.5")
    ap.add_argument("--epochs", default="2", help="comma-separated EPOCHS for movement")
    ap.add_argument("--methods", default="magnitude,wanda,movement-0shot")
    ap.add_argument("--jsonl", default=None, help="also append one JSON line per result here")
    args = ap.parse_args()

    from harness.core.data import calibration, eval_text
    from harness.core.evaluate import EvalSetup, eval_windows
    from harness.core.interface import call_prune, load_candidate
    from harness.core.models import load_model
    from harness.core.perplexity import perplexity
    from harness.core.sparsity import measure_model, prunable_layers
    from reference_pruners import method_path
    from reference_pruners import movement

    lm = load_model(args.model, dtype=args.dtype, device=args.device)
    windows = eval_windows(lm.tokenizer, eval_text("wikitext2"), EvalSetup(seqlen=2048, max_windows=args.max_windows))
    calib = calibration(lm.tokenizer, "c4", nsamples=args.nsamples, seqlen=args.seqlen, seed=0).ids
    dense = {k: v.detach().clone() for k, v in lm.model.state_dict().items()}

    def score() -> float:
        return perplexity(lm.model, windows, device=args.device).perplexity

    def emit(rec: dict) -> None:
        print(f"{rec['method']:>22} {rec['level']:>5}  ppl {rec['ppl']:>14.3f}  {rec['seconds']:7.1f} s"
              + (f"  T={rec['steps']}" if rec.get("steps") else ""), flush=True)
        if args.jsonl:
            with open(args.jsonl, "a") as f:
                f.write(json.dumps({**rec, "model": args.model, "device": args.device, "dtype": args.dtype,
                                    "calibration": [args.nsamples, args.seqlen], "windows": int(windows.shape[0])}) + "\n")

    emit({"method": "dense", "level": 0.0, "ppl": score(), "seconds": 0.0})
    runs = [(m, None) for m in args.methods.split(",") if m] + [("movement", int(e)) for e in args.epochs.split(",")]
    for level in (float(x) for x in args.levels.split(",")):
        for method, epochs in runs:
            lm.model.load_state_dict(dense)
            if epochs is not None:
                movement.EPOCHS = epochs
            t = time.perf_counter()
            if epochs is None:
                call_prune(load_candidate(method_path(method)), lm.model, level, calib, device=args.device,
                           layers=prunable_layers(lm.model))
            else:   # the package module itself, so that EPOCHS set above is the one it reads
                movement.prune(lm.model, level, calib, device=args.device, layers=prunable_layers(lm.model))
            if args.device == "cuda":
                torch.cuda.synchronize()
            secs = time.perf_counter() - t
            assert measure_model(lm.model).overall >= level - 1e-3
            name = method if epochs is None else f"movement(epochs={epochs})"
            emit({"method": name, "level": level, "ppl": score(), "seconds": secs,
                  "steps": epochs * args.nsamples if epochs else None})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
