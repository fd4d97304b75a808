#!/usr/bin/env python
"""Benchmark harness.core.perplexity.perplexity against the evaluation loop that published pruning code uses.

CPU mode (default): the default model ``smollm2-135m``, the first ``--windows`` windows of
WikiText-2 test (seqlen 2048, cut as Wanda does). Each variant runs in its own fresh subprocess,
so its peak resident memory (Linux ``VmHWM``) belongs to that variant alone:

  naive      Wanda's ``eval_ppl_wikitext``: batch 1, ``model(x).logits`` (the model's default
             ``use_cache``), shift, fp32 ``CrossEntropyLoss``, under ``torch.no_grad()``;
  evaluator  ``harness.core.perplexity.perplexity`` (batched, no KV cache, chunked fp32 cross-entropy).

    python bench/perplexity.py                      # 4 windows of 2048
    python bench/perplexity.py --windows 8 --batch-size 2 --out bench.json

GPU mode (``--device cuda --random-llama7b``): a randomly initialised LLaMA-7B-shaped
``LlamaForCausalLM`` (hidden 4096, 32 layers, 32 heads, intermediate 11008, vocab 32000) built
in bf16 directly on the GPU, nothing downloaded, ``attn_implementation="sdpa"``, on random token
windows (default 160 x 2048, WikiText-2's window count for a LLaMA tokenizer). It times the
evaluator on every window and the batch-1 fp16 naive loop on a subset (default 16 windows),
extrapolated to all windows, and checks perplexity agreement on the common windows.

Figures are printed as plain ``key: value`` lines; ``--out FILE`` also writes them as JSON.
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

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import torch  # noqa: E402
from torch import nn  # noqa: E402


# --- memory -----------------------------------------------------------------------------------------

def _status_kib(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark (VmHWM) of this process; False where that is not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def peak_rss_mib() -> float:
    kib = _status_kib("VmHWM")
    if kib is None:  # not Linux: ru_maxrss, KiB on Linux, bytes on macOS
        kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1024 if sys.platform == "darwin" else 1)
    return kib / 1024


def rss_mib() -> float:
    kib = _status_kib("VmRSS")
    return kib / 1024 if kib is not None else float("nan")


# --- the two evaluation loops -----------------------------------------------------------------------

@torch.no_grad()
def naive_wanda(model: nn.Module, windows: torch.Tensor, device) -> tuple[float, list[float]]:
    """Wanda ``lib/eval.py::eval_ppl_wikitext`` with bs=1, verbatim in substance. Returns (ppl, per-window NLL sums)."""
    nlls, per_window = [], []
    seqlen = windows.shape[1]
    for i in range(windows.shape[0]):
        inputs = windows[i:i + 1].to(device)
        lm_logits = model(inputs).logits
        shift_logits = lm_logits[:, :-1, :].contiguous()
        shift_labels = inputs[:, 1:]
        loss_fct = nn.CrossEntropyLoss()
        loss = loss_fct(shift_logits.reshape(-1, shift_logits.size(-1)).float(), shift_labels.reshape(-1))
        neg_log_likelihood = loss.float() * seqlen
        nlls.append(neg_log_likelihood)
        per_window.append(float(loss) * (seqlen - 1))
    ppl = torch.exp(torch.stack(nlls).sum() / (windows.shape[0] * seqlen))
    return float(ppl), per_window


def _sync(device) -> None:
    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


# --- CPU mode ---------------------------------------------------------------------------------------

def cpu_windows(model_spec: str, n: int, seqlen: int, dtype: str = "float32"):
    from harness.core.data import eval_text
    from harness.core.evaluate import EvalSetup, eval_windows
    from harness.core.models import load_model
    lm = load_model(model_spec, dtype=dtype)
    windows = eval_windows(lm.tokenizer, eval_text("wikitext2"), EvalSetup(seqlen=seqlen, max_windows=n))
    return lm, windows


def cpu_child(args) -> dict:
    """One variant, in this (fresh) process; prints one JSON line."""
    if args.threads:
        torch.set_num_threads(args.threads)
    lm, windows = cpu_windows(args.model, args.windows, args.seqlen,
                              "bfloat16" if args.child == "evaluator-bf16" else "float32")
    model = lm.model
    resettable = reset_peak_rss()
    base = rss_mib()
    # one short warm-up window slice so that first-call allocator/kernel set-up is not timed (both variants)
    with torch.no_grad():
        model(windows[:1, :64])
    if resettable:
        reset_peak_rss()
    c0, t0 = time.process_time(), time.perf_counter()
    if args.child == "naive":
        ppl, _ = naive_wanda(model, windows, "cpu")
    else:
        from harness.core.perplexity import perplexity
        ppl = perplexity(model, windows, batch_size=args.batch_size, chunk=args.chunk).perplexity
    seconds, cpu_seconds = time.perf_counter() - t0, time.process_time() - c0
    tokens = windows.numel()
    return {"variant": args.child, "perplexity": ppl, "seconds": seconds, "cpu_seconds": cpu_seconds,
            "tokens": tokens, "tokens_per_second": tokens / seconds, "tokens_per_cpu_second": tokens / cpu_seconds,
            "rss_before_mib": base, "peak_rss_mib": peak_rss_mib(),
            "peak_is_eval_only": resettable, "threads": torch.get_num_threads(),
            "batch_size": 1 if args.child == "naive" else args.batch_size}


def _best(runs: list[dict]) -> dict:
    """The fastest of repeated runs (least disturbed by other load), with every run's wall time kept."""
    best = dict(min(runs, key=lambda r: r["seconds"]))
    best["all_seconds"] = [r["seconds"] for r in runs]
    best["cpu_seconds"] = min(r["cpu_seconds"] for r in runs)
    best["tokens_per_cpu_second"] = best["tokens"] / best["cpu_seconds"]
    best["peak_rss_mib"] = max(r["peak_rss_mib"] for r in runs)
    return best


def cpu_main(args) -> dict:
    runs: dict[str, list[dict]] = {}
    variants = ["naive", "evaluator"] + (["evaluator-bf16"] if args.bf16 else [])
    for variant in variants * args.repeats:  # interleaved, so slow drifts in machine load hit both
        cmd = [sys.executable, __file__, "--child", variant, "--model", args.model, "--windows", str(args.windows),
               "--seqlen", str(args.seqlen), "--batch-size", str(args.batch_size), "--chunk", str(args.chunk)]
        if args.threads:
            cmd += ["--threads", str(args.threads)]
        proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
        if proc.returncode:
            sys.stderr.write(proc.stderr)
            raise SystemExit(f"{variant} subprocess failed ({proc.returncode})")
        runs.setdefault(variant, []).append(json.loads(proc.stdout.strip().splitlines()[-1]))
    results = {v: _best(r) for v, r in runs.items()}
    n, e = results["naive"], results["evaluator"]
    summary = {
        "mode": "cpu", "model": args.model, "windows": args.windows, "seqlen": args.seqlen,
        "torch": torch.__version__, "naive": n, "evaluator": e,
        "repeats": args.repeats, "load_average_1min_after": os.getloadavg()[0], "cpus": os.cpu_count(),
        "speedup": e["tokens_per_second"] / n["tokens_per_second"],
        "speedup_cpu_time": e["tokens_per_cpu_second"] / n["tokens_per_cpu_second"],
        "peak_memory_ratio": e["peak_rss_mib"] / n["peak_rss_mib"],
        "eval_memory_mib": {"naive": n["peak_rss_mib"] - n["rss_before_mib"],
                            "evaluator": e["peak_rss_mib"] - e["rss_before_mib"]},
        "ppl_relative_difference": abs(e["perplexity"] - n["perplexity"]) / n["perplexity"],
    }
    print(f"model: {args.model} on CPU, {args.windows} windows x {args.seqlen} tokens of WikiText-2 test, "
          f"{n['threads']} threads, torch {torch.__version__}, best of {args.repeats} interleaved runs, "
          f"{os.cpu_count()} CPUs, load average now {os.getloadavg()[0]:.1f}")
    named = [("naive (Wanda eval_ppl_wikitext, bs 1, fp32)", n), (f"evaluator (bs {e['batch_size']}, fp32)", e)]
    if "evaluator-bf16" in results:
        named.append((f"evaluator (bs {e['batch_size']}, bf16, NOT exact: for information)", results["evaluator-bf16"]))
        summary["evaluator_bf16"] = results["evaluator-bf16"]
        summary["bf16_ppl_relative_difference"] = abs(results["evaluator-bf16"]["perplexity"] - n["perplexity"]) / n["perplexity"]
    for name, r in named:
        print(f"{name}: {r['tokens_per_second']:.1f} tokens/s wall ({r['seconds']:.1f} s), "
              f"{r['tokens_per_cpu_second']:.1f} tokens/CPU-s ({r['cpu_seconds']:.1f} CPU-s), "
              f"peak RSS {r['peak_rss_mib']:.0f} MiB (+{r['peak_rss_mib'] - r['rss_before_mib']:.0f} MiB over the "
              f"loaded model), ppl {r['perplexity']:.6f}")
    print(f"speedup: {summary['speedup']:.2f}x wall, {summary['speedup_cpu_time']:.2f}x CPU time")
    print(f"peak RSS ratio (evaluator / naive): {summary['peak_memory_ratio']:.2f}")
    print(f"ppl relative difference (evaluator vs naive, fp32): {summary['ppl_relative_difference']:.2e}")
    if "bf16_ppl_relative_difference" in summary:
        print(f"ppl relative difference (bf16 evaluator vs fp32 naive): {summary['bf16_ppl_relative_difference']:.2e}")
    return summary


# --- GPU mode ---------------------------------------------------------------------------------------

LLAMA7B = dict(hidden_size=4096, num_hidden_layers=32, num_attention_heads=32, num_key_value_heads=32,
               intermediate_size=11008, vocab_size=32000, max_position_embeddings=4096, rms_norm_eps=1e-5)
TINY = dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=4,
            intermediate_size=128, vocab_size=1000, max_position_embeddings=4096, rms_norm_eps=1e-5)


def build_random_llama(shape: dict, device: str, dtype: torch.dtype, seed: int = 0):
    from transformers import LlamaConfig, LlamaForCausalLM
    config = LlamaConfig(**shape, tie_word_embeddings=False)  # default use_cache, as the published loop runs
    config._attn_implementation = "sdpa"
    torch.manual_seed(seed)
    with torch.device(device):
        try:
            model = LlamaForCausalLM._from_config(config, dtype=dtype, attn_implementation="sdpa")
        except TypeError:  # older transformers spell it torch_dtype
            model = LlamaForCausalLM._from_config(config, torch_dtype=dtype, attn_implementation="sdpa")
    model = model.to(device=device, dtype=dtype).eval()
    # Random init gives near-uniform next-token distributions; widen them so the agreement check is not trivial.
    with torch.no_grad():
        model.lm_head.weight.mul_(2.0 / (config.initializer_range * config.hidden_size ** 0.5))  # logit std ~2
    return model


def matmul_params(model: nn.Module) -> int:
    """Parameters that take part in matmuls (every Linear, lm_head included; the embedding is a lookup)."""
    return sum(m.weight.numel() for m in model.modules() if isinstance(m, nn.Linear))


def forward_flops(model: nn.Module, windows: int, seqlen: int) -> float:
    """2 * matmul params * tokens + attention scores and mix (QK^T, AV: 4 * L * d per token per layer).

    Attention is counted without the causal discount, the usual (PaLM) convention.
    """
    c = model.config
    tokens = windows * seqlen
    return 2 * matmul_params(model) * tokens + 4 * c.num_hidden_layers * seqlen * c.hidden_size * tokens


def gpu_main(args) -> dict:
    from harness.core.perplexity import perplexity
    device = args.device
    shape = TINY if args.tiny_shape else LLAMA7B
    if device.startswith("cuda"):
        torch.backends.cuda.matmul.allow_tf32 = True
    t0 = time.perf_counter()
    model = build_random_llama(shape, device, torch.bfloat16)
    _sync(device)
    build_s = time.perf_counter() - t0
    g = torch.Generator().manual_seed(1)
    windows = torch.randint(0, shape["vocab_size"], (args.gpu_windows, args.seqlen), generator=g)
    # Fixed structure so the model is not scoring pure noise: second half of each window repeats the first.
    windows[:, args.seqlen // 2:] = windows[:, : args.seqlen - args.seqlen // 2]
    n_sub = min(args.naive_windows, args.gpu_windows)

    def cuda_mem_reset():
        if device.startswith("cuda"):
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()

    def cuda_peak_gib():
        return torch.cuda.max_memory_allocated() / 2**30 if device.startswith("cuda") else float("nan")

    # Warm-up (not timed): one batch through each path.
    t_warm = time.perf_counter()
    perplexity(model, windows[:args.batch_size], batch_size=args.batch_size, compile=args.compile)
    warmup_s = time.perf_counter() - t_warm  # includes torch.compile when --compile
    _sync(device)

    cuda_mem_reset()
    ours = perplexity(model, windows, batch_size=args.batch_size, chunk=args.chunk, compile=args.compile)
    ours_peak = cuda_peak_gib()
    ours_sub = perplexity(model, windows[:n_sub], batch_size=args.batch_size, chunk=args.chunk, compile=args.compile)

    # The published loop runs fp16 weights (Wanda loads torch_dtype=float16), batch 1.
    naive_bf16_ppl, _ = naive_wanda(model, windows[:n_sub], device)       # same weights/dtype: exactness
    model16 = model.to(torch.float16)
    del model
    naive_wanda(model16, windows[:1], device)                             # warm-up
    _sync(device)
    cuda_mem_reset()
    t = time.perf_counter()
    naive16_ppl, _ = naive_wanda(model16, windows[:n_sub], device)
    _sync(device)
    naive_s = time.perf_counter() - t
    naive_peak = cuda_peak_gib()

    flops_all = forward_flops(model16, args.gpu_windows, args.seqlen)
    tokens = args.gpu_windows * args.seqlen
    naive_all_s = naive_s / n_sub * args.gpu_windows
    ours_tflops = flops_all / ours.seconds / 1e12
    naive_tflops = flops_all / naive_all_s / 1e12
    rel_same = abs(ours_sub.perplexity - naive_bf16_ppl) / naive_bf16_ppl
    rel_fp16 = abs(ours_sub.perplexity - naive16_ppl) / naive16_ppl
    out = {
        "mode": "gpu-random-llama7b" if not args.tiny_shape else "gpu-random-llama-tiny-smoke",
        "device": torch.cuda.get_device_name() if device.startswith("cuda") else device,
        "torch": torch.__version__, "transformers": __import__("transformers").__version__,
        "shape": shape, "matmul_params": matmul_params(model16), "build_seconds": build_s,
        "compile": args.compile, "warmup_seconds": warmup_s,
        "windows": args.gpu_windows, "seqlen": args.seqlen, "tokens": tokens,
        "flops_per_pass": flops_all, "peak_tflops_reference": args.peak_tflops,
        "evaluator": {"batch_size": args.batch_size, "dtype": "bfloat16", "seconds": ours.seconds,
                      "tokens_per_second": tokens / ours.seconds, "tflops": ours_tflops,
                      "fraction_of_peak": ours_tflops / args.peak_tflops, "peak_memory_gib": ours_peak,
                      "perplexity_all": ours.perplexity, "perplexity_common": ours_sub.perplexity},
        "naive": {"batch_size": 1, "dtype": "float16", "windows_timed": n_sub, "seconds_timed": naive_s,
                  "seconds_extrapolated": naive_all_s, "tokens_per_second": n_sub * args.seqlen / naive_s,
                  "tflops": naive_tflops, "fraction_of_peak": naive_tflops / args.peak_tflops,
                  "peak_memory_gib": naive_peak, "perplexity_common_fp16": naive16_ppl,
                  "perplexity_common_bf16": naive_bf16_ppl},
        "speedup": naive_all_s / ours.seconds,
        "ppl_rel_diff_same_dtype": rel_same, "ppl_rel_diff_vs_fp16_naive": rel_fp16,
        "agreement_1e-3": rel_same <= 1e-3,
    }
    print(f"device: {out['device']}, torch {out['torch']}, transformers {out['transformers']}")
    print(f"model: random {'LLaMA-7B' if not args.tiny_shape else 'TINY (smoke test)'}-shaped LlamaForCausalLM, bf16, sdpa, "
          f"{out['matmul_params'] / 1e9:.3f} B matmul params, built in {build_s:.1f} s")
    print(f"windows: {args.gpu_windows} x {args.seqlen} random tokens; FLOPs per pass {flops_all:.3e} "
          f"(2*params*tokens + 4*layers*seqlen*hidden*tokens, no causal discount)")
    e, n = out["evaluator"], out["naive"]
    print(f"evaluator (bs {args.batch_size}, bf16): {e['tokens_per_second']:,.0f} tokens/s, {e['seconds']:.1f} s for "
          f"{args.gpu_windows} windows, {e['tflops']:.0f} TFLOP/s = {e['fraction_of_peak']:.1%} of {args.peak_tflops:.0f}, "
          f"peak memory {e['peak_memory_gib']:.1f} GiB, ppl {e['perplexity_all']:.4f}")
    print(f"naive (bs 1, fp16): {n['tokens_per_second']:,.0f} tokens/s measured on {n_sub} windows; "
          f"{n['seconds_extrapolated']:.1f} s for {args.gpu_windows} windows EXTRAPOLATED from {n_sub}; "
          f"{n['tflops']:.0f} TFLOP/s = {n['fraction_of_peak']:.1%} of {args.peak_tflops:.0f}, "
          f"peak memory {n['peak_memory_gib']:.1f} GiB")
    print(f"speedup (extrapolated): {out['speedup']:.2f}x")
    print(f"ppl on the {n_sub} common windows: evaluator {ours_sub.perplexity:.6f}, naive bf16 {naive_bf16_ppl:.6f}, "
          f"naive fp16 {naive16_ppl:.6f}")
    print(f"ppl relative difference, same dtype: {rel_same:.2e} ({'OK' if rel_same <= 1e-3 else 'FAIL'} at 1e-3); "
          f"vs fp16 naive: {rel_fp16:.2e}")
    return out


# --- entry ------------------------------------------------------------------------------------------

def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="smollm2-135m")
    p.add_argument("--windows", type=int, default=4, help="CPU mode: windows of WikiText-2 test")
    p.add_argument("--seqlen", type=int, default=2048)
    p.add_argument("--batch-size", type=int, default=None, help="evaluator batch size (CPU default 1, GPU default 8)")
    p.add_argument("--chunk", type=int, default=512, help="positions per cross-entropy chunk")
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    p.add_argument("--repeats", type=int, default=1, help="CPU mode: interleaved runs per variant; the fastest is reported")
    p.add_argument("--bf16", action="store_true", help="CPU mode: also time the evaluator on a bf16 model (not exact)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--random-llama7b", action="store_true", help="GPU mode: random LLaMA-7B shape, random windows")
    p.add_argument("--gpu-windows", type=int, default=160)
    p.add_argument("--naive-windows", type=int, default=16, help="GPU mode: windows the naive loop is timed on")
    p.add_argument("--peak-tflops", type=float, default=790.0)
    p.add_argument("--tiny-shape", action="store_true", help="smoke-test the GPU mode with a tiny shape (any device)")
    p.add_argument("--compile", action="store_true", help="GPU mode: torch.compile the model body (warm-up time reported)")
    p.add_argument("--out", help="also write the figures as JSON here")
    p.add_argument("--child", choices=["naive", "evaluator", "evaluator-bf16"], help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.batch_size is None:
        args.batch_size = 8 if args.random_llama7b else 1
    if not os.environ.get("PRUNEGEN_DATA_DIR") and (REPO.parent / "shared" / "data").is_dir():
        os.environ["PRUNEGEN_DATA_DIR"] = str(REPO.parent / "shared" / "data")  # as the Makefile does
    if args.child:
        print(json.dumps(cpu_child(args)))
        return 0
    if args.random_llama7b:
        if args.device.startswith("cuda") and not torch.cuda.is_available():
            raise SystemExit("--device cuda: no CUDA device visible to torch")
        out = gpu_main(args)
    else:
        if args.device != "cpu":
            raise SystemExit("the real-model mode is CPU only; use --random-llama7b for --device cuda")
        out = cpu_main(args)
    if args.out:
        Path(args.out).write_text(json.dumps(out, indent=2))
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
