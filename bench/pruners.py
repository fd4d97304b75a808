"""Wall time and peak memory of each reference pruner.

CPU, the real default model (calibration windows shrunk to fit 2 cores; the flags say how many):
    python bench/pruners.py --model smollm2-135m --nsamples 16 --seqlen 512

GPU, random-initialised models of real shapes (weights do not change the timing), 128 x 2048
calibration windows, 50% unstructured, as the targets are stated:
    python bench/pruners.py --shape llama-7b --device cuda --dtype bfloat16 --methods wanda,sparsegpt
    python bench/pruners.py --shape smollm2-135m --device cuda --dtype bfloat16

Prints one line per method: seconds, peak memory (GPU: torch.cuda.max_memory_allocated; CPU: the
process's peak RSS growth, measured in a fresh subprocess per method), and the achieved sparsity.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

SHAPES = {
    # hidden, layers, heads, kv heads, intermediate, vocab
    "llama-7b": dict(hidden_size=4096, num_hidden_layers=32, num_attention_heads=32, num_key_value_heads=32,
                     intermediate_size=11008, vocab_size=32000),
    "smollm2-135m": dict(hidden_size=576, num_hidden_layers=30, num_attention_heads=9, num_key_value_heads=3,
                         intermediate_size=1536, vocab_size=49152, tie_word_embeddings=True),
}
TARGETS = {  # seconds, from the issue: one H200, 128 x 2048 calibration, 50%
    ("llama-7b", "sparsegpt"): 150, ("llama-7b", "wanda"): 9,
    ("smollm2-135m", "sparsegpt"): 25, ("smollm2-135m", "wanda"): 7,
}


def random_model(shape: str, device: str, dtype: torch.dtype):
    from transformers import LlamaConfig, LlamaForCausalLM

    cfg = LlamaConfig(**SHAPES[shape], max_position_embeddings=4096)
    with torch.device(device):
        model = LlamaForCausalLM(cfg).to(dtype)
    return model.eval()


def one(args) -> dict:
    """Run one method in this process and return its figures."""
    from harness.core.interface import call_prune, load_candidate
    from harness.core.sparsity import measure_model, prunable_layers
    from reference_pruners import method_path

    dtype = getattr(torch, args.dtype)
    if args.shape:
        model = random_model(args.shape, args.device, dtype)
        vocab = model.config.vocab_size
        calib = torch.randint(0, vocab, (args.nsamples, args.seqlen), generator=torch.Generator().manual_seed(0))
        label = f"random {args.shape}"
    else:
        from harness.core.data import calibration
        from harness.core.models import load_model

        lm = load_model(args.model, dtype=args.dtype, device=args.device)
        model = lm.model
        calib = calibration(lm.tokenizer, "c4", nsamples=args.nsamples, seqlen=args.seqlen).ids
        label = args.model
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if args.device.startswith("cuda"):
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    fn = load_candidate(method_path(args.method))
    t0 = time.perf_counter()
    call_prune(fn, model, args.sparsity, calib, pattern=args.pattern, device=args.device,
               layers=prunable_layers(model))
    if args.device.startswith("cuda"):
        torch.cuda.synchronize()
    seconds = time.perf_counter() - t0
    if args.device.startswith("cuda"):
        peak = torch.cuda.max_memory_allocated()
        peak_kind = "gpu max_memory_allocated (incl. weights)"
    else:
        peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) * 1024
        peak_kind = "cpu peak RSS growth during pruning"
    return {"model": label, "method": args.method, "device": args.device, "dtype": args.dtype,
            "nsamples": args.nsamples, "seqlen": args.seqlen, "sparsity": args.sparsity, "pattern": args.pattern,
            "seconds": seconds, "peak_bytes": peak, "peak_kind": peak_kind,
            "achieved_sparsity": measure_model(model).overall,
            "target_seconds": TARGETS.get((args.shape, args.method)) if args.device.startswith("cuda") else None}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="smollm2-135m", help="real model spec (ignored with --shape)")
    p.add_argument("--shape", choices=sorted(SHAPES), help="random-initialised model of this shape")
    p.add_argument("--methods", default="magnitude,wanda,sparsegpt,movement")
    p.add_argument("--device", default="cpu")
    p.add_argument("--dtype", default="float32")
    p.add_argument("--nsamples", type=int, default=128)
    p.add_argument("--seqlen", type=int, default=2048)
    p.add_argument("--sparsity", type=float, default=0.5)
    p.add_argument("--pattern", default="unstructured")
    p.add_argument("--out", help="also write the results as JSON lines here")
    p.add_argument("--method", help=argparse.SUPPRESS)  # internal: run one method in this process
    args = p.parse_args()
    if args.method:
        print(json.dumps(one(args)), flush=True)
        return
    results = []
    for method in args.methods.split(","):
        # A fresh process per method: peak memory of one method is not inflated by the one before.
        cmd = [sys.executable, __file__, "--method", method, "--model", args.model, "--device", args.device,
               "--dtype", args.dtype, "--nsamples", str(args.nsamples), "--seqlen", str(args.seqlen),
               "--sparsity", str(args.sparsity), "--pattern", args.pattern] + (["--shape", args.shape] if args.shape else [])
        proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
        if proc.returncode:
            print(f"{method}: FAILED\n{proc.stderr[-2000:]}", flush=True)
            continue
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        results.append(r)
        target = f"  target <= {r['target_seconds']} s: {'met' if r['seconds'] <= r['target_seconds'] else 'MISSED'}" \
            if r["target_seconds"] else ""
        print(f"{r['model']:>20} {method:>10} {r['device']:>5} {r['dtype']:>8} calib {r['nsamples']}x{r['seqlen']}: "
              f"{r['seconds']:8.2f} s, peak {r['peak_bytes'] / 2**30:6.2f} GiB ({r['peak_kind']}), "
              f"achieved {r['achieved_sparsity']:.4f}{target}", flush=True)
    if args.out:
        Path(args.out).write_text("".join(json.dumps(r) + "\n" for r in results))


if __name__ == "__main__":
    main()
