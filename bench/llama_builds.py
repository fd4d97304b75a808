"""Portable against native llama.cpp on this host: what `make setup`'s explicit flags cost in speed.

    python bench/llama_builds.py [--builds portable,native] [--model qwen2.5-coder-1.5b]
                                 [--new-tokens 128] [--json OUT]

`make setup` builds llama-cpp-python with ``GGML_NATIVE=OFF`` and the instruction sets read from
/proc/cpuinfo (harness/llm/llama_build.py), because ``-march=native`` compiles AMX kernels on a VM
that advertises AMX without granting it, and the server then faults at its first prompt. This bench
answers whether that choice costs speed where both builds run (a host that grants everything it
advertises): each build is made once into the same per-configuration wheel cache `make setup` uses
(pip's cache ignores CMAKE_ARGS), installed into a folder of its own (never into the venv), counted
for AMX instructions, and timed by bench/generation.py's llama.cpp measurement (same prompt, greedy)
in a fresh process whose server imports that build. Ratios are against the portable build.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness.llm import llama_build  # noqa: E402

PACKAGE = "llama-cpp-python==0.3.36"   # the Makefile's LLAMA_CPP


def build_args(name: str) -> str:
    if name == "portable":
        return llama_build.host_cmake_args()
    if name == "native":
        return "-DGGML_NATIVE=ON"
    raise SystemExit(f"unknown build {name!r}: portable or native")


def wheel_for(args: str) -> Path:
    cache = Path(os.environ.get("PRUNEGEN_CACHE") or Path.home() / ".cache" / "prunegen")
    folder = cache / "llama-cpp-wheels" / llama_build.build_key(args, PACKAGE)
    found = sorted(folder.glob("llama_cpp_python-*.whl"))
    if not found:
        print(f"building {PACKAGE} with CMAKE_ARGS={args!r} (5-9 min on 2 cores) ...", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-cache-dir", "-w",
                        str(folder), PACKAGE], env={**os.environ, "CMAKE_ARGS": args}, check=True)
        found = sorted(folder.glob("llama_cpp_python-*.whl"))
    return found[0]


def measure(name: str, model: str, new_tokens: int, threads: int) -> dict:
    args = build_args(name)
    target = Path(tempfile.mkdtemp(prefix=f"llama-{name}-"))
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
                    str(wheel_for(args))], check=True)
    libs = sorted(p for p in target.rglob("libggml-cpu*.so*") if p.is_file())
    amx = sum(llama_build.count_amx_instructions(p) for p in libs)
    out = target / "row.jsonl"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(target), str(ROOT)])}
    subprocess.run([sys.executable, str(ROOT / "bench" / "generation.py"), "--engines", "llama.cpp",
                    "--model", model, "--new-tokens", str(new_tokens), "--threads", str(threads),
                    "--json", str(out)], env=env, check=True)
    row = json.loads(out.read_text().splitlines()[-1])
    return {"build": name, "cmake_args": args, "amx_instructions": amx, **row}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--builds", default="portable,native")
    ap.add_argument("--model", default="qwen2.5-coder-1.5b")
    ap.add_argument("--new-tokens", type=int, default=128)
    ap.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    ap.add_argument("--json", help="also write the rows here (JSON lines)")
    args = ap.parse_args()
    rows = [measure(b, args.model, args.new_tokens, args.threads) for b in args.builds.split(",")]
    base = rows[0]
    print(f"\n{args.model}, {args.threads} threads, {base['prompt_tokens']}-token prompt, "
          f"{args.new_tokens} new tokens, greedy; host grants AMX: {llama_build.amx_granted()}")
    print(f"{'build':<10}{'AMX instr':>10}{'prefill tok/s':>15}{'decode tok/s':>14}"
          f"{'decode x ' + base['build']:>20}{'call (+512) s':>15}")
    for r in rows:
        print(f"{r['build']:<10}{r['amx_instructions']:>10}{r['prefill_tok_s']:>15.1f}{r['decode_tok_s']:>14.2f}"
              f"{r['decode_tok_s'] / base['decode_tok_s']:>20.3f}{r['typical_call_s']:>15.1f}")
    for r in rows:
        print(f"{r['build']}: CMAKE_ARGS={r['cmake_args']}")
    if args.json:
        with open(args.json, "a") as f:
            for r in rows:
                f.write(json.dumps(r) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
