"""``prunegen generate`` and ``prunegen prompts``.

A TOML config (``--config``) may hold ``[provider]`` (see harness.llm.make_provider), ``[generation]``
(GenerationParams fields plus samples, concurrency, template), and ``[prompts]`` (dir, ideas_file).
Command-line flags win over the config.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tomllib
from pathlib import Path
from typing import Any

from harness.llm import PROVIDER_KINDS


def _load_config(path: str | None) -> dict[str, Any]:
    if not path:
        return {}
    with open(path, "rb") as f:
        return tomllib.load(f)


def _prompts_settings(args, config) -> tuple[str | None, str | None]:
    section = config.get("prompts", {})
    return (getattr(args, "prompts_dir", None) or section.get("dir"),
            getattr(args, "ideas_file", None) or section.get("ideas_file"))


def cmd_prompts_list(args) -> int:
    from harness.run.prompting import list_templates, load_ideas

    prompts_dir, ideas_file = _prompts_settings(args, _load_config(args.config))
    ideas = load_ideas(ideas_file, prompts_dir=prompts_dir)
    if args.json:
        for idea in ideas.values():
            print(json.dumps({"id": idea.id, "title": idea.title, "paper_number": idea.paper_number,
                              "human_reference": idea.human_reference, "source": idea.source}))
        return 0
    for idea in ideas.values():
        ref = f"  [human: {idea.human_reference}]" if idea.human_reference else ""
        print(f"{idea.paper_number or '--'}  {idea.id:30s} {idea.title}{ref}")
    print(f"templates: {', '.join(list_templates(prompts_dir))}")
    return 0


def cmd_prompts_render(args) -> int:
    from harness.llm.keys import prompt_hash
    from harness.run.prompting import load_ideas, render_messages

    prompts_dir, ideas_file = _prompts_settings(args, _load_config(args.config))
    ideas = load_ideas(ideas_file, prompts_dir=prompts_dir)
    if args.idea not in ideas:
        raise ValueError(f"unknown idea {args.idea!r}; known: {', '.join(ideas)}")
    messages = render_messages(ideas[args.idea], args.template, prompts_dir=prompts_dir)
    if args.json:
        print(json.dumps({"messages": messages, "prompt_hash": prompt_hash(messages)}, ensure_ascii=False))
        return 0
    for m in messages:
        print(f"===== {m['role']} =====")
        print(m["content"], end="" if m["content"].endswith("\n") else "\n")
    print(f"===== prompt sha256 {prompt_hash(messages)} =====")
    return 0


def cmd_generate(args) -> int:
    from harness.run.generate import generate, summarize
    from harness.llm import make_provider
    from harness.llm.base import GenerationParams
    from harness.llm.cache import CachedProvider, ResponseCache
    from harness.core.models import cache_dir
    from harness.run.prompting import load_ideas, select_ideas

    config = _load_config(args.config)
    prompts_dir, ideas_file = _prompts_settings(args, config)
    ideas = select_ideas(args.ideas, load_ideas(ideas_file, prompts_dir=prompts_dir))

    pcfg = dict(config.get("provider", {}))
    flags = {"kind": args.provider, "model": args.model, "base_url": args.base_url, "api": args.api,
             "cassette": args.cassette, "threads": args.threads}
    pcfg.update({k: v for k, v in flags.items() if v is not None})
    if "kind" not in pcfg:
        raise ValueError("choose a provider: --provider " + "|".join(PROVIDER_KINDS))
    provider = make_provider(pcfg)
    secret = pcfg.get("api_key") or os.environ.get(pcfg.get("api_key_env", "OPENAI_API_KEY"), "")

    gcfg = dict(config.get("generation", {}))
    samples = args.samples or gcfg.pop("samples", 1)
    concurrency = args.concurrency or gcfg.pop("concurrency", 4)
    template = args.template or gcfg.pop("template", "user")
    local_defaults = {"max_tokens": 1024} if provider.kind == "local" else {}
    pfields = {**local_defaults, **gcfg}
    for name in ("temperature", "max_tokens", "top_p", "reasoning_effort", "seed", "timeout"):
        value = getattr(args, name)
        if value is not None:
            pfields[name] = value
    params = GenerationParams(**pfields)

    if provider.kind != "replay" and not args.no_cache:
        provider = CachedProvider(provider, ResponseCache(args.cache_dir or cache_dir() / "llm"))

    def show(record) -> None:
        if args.json:
            print(json.dumps({**record.to_dict(), "path": str(Path(args.out) / record.path) if record.path else None,
                              "meta_path": str(Path(args.out) / record.meta_path)}), flush=True)
        else:
            tokens = f"{record.completion_tokens or 0} tok" if record.completion_tokens is not None else "-"
            when = "cached" if record.cached else f"{record.latency_s or 0:.1f} s"
            print(f"{record.idea:30s} sample {record.sample}  {record.status:16s} {tokens:>9s}  {when:>8s}  "
                  f"{record.path or record.detail}", flush=True)

    records = generate(ideas, provider, params, samples, args.out, template=template, concurrency=concurrency,
                       prompts_dir=prompts_dir, resume=not args.no_resume, on_record=show, redact=[secret])
    if not args.json:
        s = summarize(records)
        cost = "unknown" if s["cost_usd"] is None else f"${s['cost_usd']:.4f}"
        print(f"{s['candidates']} candidates {s['by_status']}; {s['prompt_tokens']} prompt + "
              f"{s['completion_tokens']} completion tokens; cost {cost}; {s['cached']} from cache", file=sys.stderr)
    return 0


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", help="TOML config with [provider], [generation], [prompts] tables")
    p.add_argument("--prompts-dir", help="directory of templates / ideas.toml shadowing the built-in ones "
                                         "(default $PRUNEGEN_PROMPTS_DIR)")
    p.add_argument("--ideas-file", help="extra ideas catalogue (TOML), added to the built-in one")


def register(sub) -> None:
    p = sub.add_parser("generate", help="ask an LLM to write pruning algorithms, one file per idea and sample")
    p.add_argument("--ideas", required=True, help="comma list of idea ids, or 'table4' (the paper's ten) or 'all'")
    p.add_argument("--provider", choices=PROVIDER_KINDS)
    p.add_argument("--model", help="model name (default: gpt-4o for openai, smollm2-135m for local)")
    p.add_argument("--base-url", help="OpenAI-compatible endpoint, e.g. http://localhost:8000/v1")
    p.add_argument("--api", choices=("chat", "responses"), help="OpenAI API flavour (default chat)")
    p.add_argument("--cassette", help="replay: the cassette.jsonl of a recorded run")
    p.add_argument("--threads", type=int, help="local: torch threads while generating (default 1; 0 = torch's choice)")
    p.add_argument("--samples", type=int, help="samples per idea (default 1)")
    p.add_argument("--template", help="user-message template (default user)")
    p.add_argument("--temperature", type=float)
    p.add_argument("--max-tokens", type=int, help="output token limit (default 4096; local 1024)")
    p.add_argument("--top-p", type=float)
    p.add_argument("--reasoning-effort", choices=("minimal", "low", "medium", "high"))
    p.add_argument("--seed", type=int)
    p.add_argument("--timeout", type=float, help="seconds per HTTP attempt")
    p.add_argument("--concurrency", type=int, help="parallel requests (default 4; local always 1)")
    p.add_argument("--cache-dir", help="response cache (default $PRUNEGEN_CACHE/llm)")
    p.add_argument("--no-cache", action="store_true")
    p.add_argument("--no-resume", action="store_true", help="regenerate samples that already have files")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--json", action="store_true", help="one JSON line per candidate")
    _common(p)
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser("prompts", help="list the core ideas or print the exact messages sent for one")
    psub = p.add_subparsers(dest="prompts_command", required=True)
    q = psub.add_parser("render", help="print the messages for IDEA")
    q.add_argument("idea")
    q.add_argument("--template", default="user")
    q.add_argument("--json", action="store_true")
    _common(q)
    q.set_defaults(func=cmd_prompts_render)
    q = psub.add_parser("list", help="list the ideas and templates")
    q.add_argument("--json", action="store_true")
    _common(q)
    q.set_defaults(func=cmd_prompts_list)
