"""Generation speed of the local engines on one real prompt: which one writes pruners fastest here.

    python bench/generation.py [--model qwen2.5-coder-1.5b] [--new-tokens 64] [--threads N]
                               [--engines llama.cpp,transformers-bf16,transformers-fp32] [--json OUT]

The prompt is the real generation prompt for Table 4's l1-norm idea (system + interface document +
idea: ~1,900 tokens with the Qwen tokenizer), rendered by the model's own chat template; decoding is
greedy. Each engine gets the same messages and the same number of new tokens; a reply that ends
before it is reported with its real count. Timed per engine, in this order:

  load      first request of a fresh engine (transformers: load, dequantised weights from the cache;
            llama.cpp: server start + mmap of the GGUF)
  prefill   a 1-token request: the prompt's tokens per second
  decode    the same prompt again with N new tokens; transformers recomputes the prompt (no cache
            across calls), llama.cpp reuses its KV cache for the common prefix, as it does between
            the ideas of a real run (they share the ~1,800-token system turn); decode tokens/s is
            (N - 1) / (time - time of a 1-token request)
  call      what one real call costs: prefill of a full prompt + 512 new tokens at those rates

and the ratio of each figure to the fastest engine. What each engine adds to `make setup` is printed
from what was measured on this machine (the llama-cpp-python build) and is not re-measured here.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness.llm import make_provider  # noqa: E402
from harness.llm.base import GenerationParams  # noqa: E402
from harness.run.prompting import load_ideas, render_messages  # noqa: E402

ENGINES = {
    "llama.cpp": {"engine": "llama.cpp"},
    "transformers-bf16": {"engine": "transformers", "dtype": "bfloat16"},
    "transformers-fp32": {"engine": "transformers", "dtype": "float32"},
}
SETUP_COST = {
    "llama.cpp": "builds llama-cpp-python[server] from source: ~5 min measured on 2 cores, once per machine (pip caches the wheel)",
    "transformers-bf16": "nothing (transformers is a core dependency); first load dequantises the GGUF to fp32 safetensors",
    "transformers-fp32": "nothing (transformers is a core dependency); first load dequantises the GGUF to fp32 safetensors",
}
TYPICAL_NEW = 512


def timed(provider, messages, n: int) -> tuple[float, object]:
    t0 = time.perf_counter()
    c = provider.complete(messages, GenerationParams(temperature=0.0, max_tokens=n, timeout=3600), 0)
    return time.perf_counter() - t0, c


def measure(name: str, model: str, threads: int, new_tokens: int, messages) -> dict:
    cfg = {"kind": "local", "model": model, "threads": threads, **ENGINES[name]}
    provider = make_provider(cfg)
    load_s, c0 = timed(provider, messages, 1)          # includes the engine's start
    prefill_s, c1 = timed(provider, messages, 1)       # llama.cpp: prompt cached now, so time it on a new one
    if name == "llama.cpp":  # a prompt it has not seen (the same length): the first token's real cost
        other = [{"role": "system", "content": "# " + messages[0]["content"]}, *messages[1:]]  # no shared prefix
        prefill_s, c1 = timed(provider, other, 1)
        timed(provider, messages, 1)                   # back to the measured prompt in its cache
    total_s, c = timed(provider, messages, new_tokens)
    one_token_s = timed(provider, messages, 1)[0] if name == "llama.cpp" else prefill_s
    n_new = c.usage.completion_tokens
    prompt_tokens = c.usage.prompt_tokens
    decode_tps = (n_new - 1) / max(total_s - one_token_s, 1e-9)
    prefill_tps = prompt_tokens / prefill_s
    if hasattr(provider, "close"):
        provider.close()
    return {"engine": name, "model": model, "threads": threads, "prompt_tokens": prompt_tokens,
            "new_tokens": n_new, "finish": c.finish_reason, "load_s": round(load_s - prefill_s, 2),
            "prefill_s": round(prefill_s, 2), "prefill_tok_s": round(prefill_tps, 2),
            "decode_s": round(total_s - one_token_s, 2), "decode_tok_s": round(decode_tps, 2),
            "typical_call_s": round(prompt_tokens / prefill_tps + TYPICAL_NEW / decode_tps, 1),
            "text_head": c.text[:120], "setup": SETUP_COST[name]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="qwen2.5-coder-1.5b")
    ap.add_argument("--new-tokens", type=int, default=64)
    ap.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    ap.add_argument("--engines", default=",".join(ENGINES))
    ap.add_argument("--json", help="also write the rows here (JSON lines)")
    args = ap.parse_args()
    messages = render_messages(load_ideas()["l1-norm"])
    rows = []
    for name in args.engines.split(","):
        row = measure(name, args.model, args.threads, args.new_tokens, messages)
        rows.append(row)
        print(json.dumps(row), flush=True)
    best_decode = max(r["decode_tok_s"] for r in rows)
    best_prefill = max(r["prefill_tok_s"] for r in rows)
    best_call = min(r["typical_call_s"] for r in rows)
    print(f"\n{args.model}, {args.threads} threads, prompt {rows[0]['prompt_tokens']} tokens, "
          f"{args.new_tokens} new tokens, greedy")
    print(f"{'engine':<20}{'prefill tok/s':>15}{'decode tok/s':>14}{'x fastest':>11}"
          f"{'call (+512) s':>15}{'x fastest':>11}{'load s':>9}")
    for r in rows:
        print(f"{r['engine']:<20}{r['prefill_tok_s']:>15.1f}{r['decode_tok_s']:>14.2f}"
              f"{r['decode_tok_s'] / best_decode:>11.2f}{r['typical_call_s']:>15.1f}"
              f"{r['typical_call_s'] / best_call:>11.2f}{r['load_s']:>9.1f}")
    print(f"(best prefill {best_prefill:.1f} tok/s)")
    for r in rows:
        print(f"setup, {r['engine']}: {r['setup']}")
    if args.json:
        with open(args.json, "a") as f:
            for r in rows:
                f.write(json.dumps(r) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
