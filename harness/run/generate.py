"""The generation stage: for each idea and sample, render the prompt, ask a provider, extract the code, write it.

Layout under ``out_dir``::

    <idea>/<model-slug>/sample-<k>.py     the candidate, headed by a provenance comment (absent for no-code
                                          and generation-error)
    <idea>/<model-slug>/sample-<k>.json   its metadata: status, usage, cost, latency, prompt hash, paths
    raw/<key>.json                        every raw response, named by its cache key
    cassette.jsonl                        every LLM turn (llm/replay.py: generation here; in a run, its repairs
                                          and evolution too), for ``--provider replay``
    run.json                              totals of the last invocation

A rerun skips samples whose metadata already exists for the same prompt and parameters (generation
errors are retried), and the cache makes a regenerated sample free.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from .extract import extract_code
from harness.core.interface import Status
from harness.llm import make_provider
from harness.llm.base import Completion, GenerationError, GenerationParams, Provider
from harness.llm.cache import CachedProvider, ResponseCache, cache_key
from harness.llm.replay import CASSETTE, record_turn
from .forms import FORMS, Form
from harness.llm.keys import prompt_hash
from .prompting import Idea, render_messages

if TYPE_CHECKING:
    from .config import GeneratorConfig

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GeneratedSample:
    """One sample of one idea as generation wrote it (its .py, meta and raw reply files); the store's row of a
    candidate is :class:`harness.run.store.CandidateRecord`."""
    idea: str
    model: str
    provider: str
    sample: int
    status: str                    # ok | no-code | syntax-error | generation-error
    path: str | None               # the candidate .py, when there is code
    meta_path: str
    raw_path: str | None
    prompt_hash: str
    template: str
    detail: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_s: float | None = None
    cost_usd: float | None = None  # what producing it cost (None: unknown price)
    cached: bool = False           # nothing was paid in this invocation
    attempts: int = 0
    finish_reason: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    created: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def model_slug(model: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", model).strip("-") or "model"


def utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def provenance_header(*, idea: Idea, model: str, provider: str, phash: str, template: str, date: str,
                      params: dict[str, Any], sample: int, status: str, detail: str) -> str:
    lines = [
        "# prunegen candidate: machine-written, not reviewed by a person.",
        f"# idea: {idea.id} ({idea.title})",
        f"# model: {model} (provider {provider}), sample {sample}",
        f"# prompt: template {template}, sha256 {phash}",
        f"# date: {date}",
        f"# params: {json.dumps(params, sort_keys=True)}",
        f"# extraction: {status}: {detail}",
    ]
    return "\n".join(" ".join(line.split("\n")) for line in lines) + "\n\n"


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".tmp{os.getpid()}.{threading.get_ident()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _rel(path: Path, root: Path) -> str:
    return str(path.relative_to(root))


def generate(ideas: Iterable[Idea], provider: Provider, params: GenerationParams, samples: int,
             out_dir: str | Path, *, template: str | None = None, form: Form = FORMS["program"], concurrency: int = 4,
             prompts_dir: str | Path | None = None, resume: bool = True,
             on_record: Callable[[GeneratedSample], None] | None = None,
             redact: Iterable[str] = ()) -> list[GeneratedSample]:
    """Generate ``samples`` candidates per idea into ``out_dir``; return one record per (idea, sample).

    ``redact``: strings (API keys) that must never reach a written file, should an error message echo one.
    ``form``: what the model writes (harness/run/forms.py); ``template`` overrides its user template.
    """
    template = template or form.user
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    secrets = [s for s in redact if s]
    base = provider.inner if isinstance(provider, CachedProvider) else provider
    slug = form.slug(model_slug(provider.model))

    def scrub(text: str) -> str:
        for s in secrets:
            text = text.replace(s, "[redacted]")
        return text

    def one(idea: Idea, k: int, messages: list[dict[str, str]]) -> GeneratedSample:
        folder = out / idea.id / slug
        meta_path = folder / f"sample-{k}.json"
        phash = prompt_hash(messages)
        if resume and meta_path.is_file():
            old = json.loads(meta_path.read_text(encoding="utf-8"))
            # Only the same question asked the same way counts as done; an edited template or new
            # parameters regenerate the sample (and overwrite its files).
            same = old.get("prompt_hash") == phash and old.get("params") == params.key_fields()
            if same and old.get("status") != Status.GENERATION_ERROR.value:
                return GeneratedSample(**{f.name: old.get(f.name) for f in dataclasses.fields(GeneratedSample)
                                          if f.name in old})
        key = cache_key(base.identity(), provider.model, messages, params, k)
        created = utc_now()
        common = dict(idea=idea.id, model=provider.model, provider=provider.kind, sample=k,
                      meta_path=_rel(meta_path, out), prompt_hash=phash, template=template,
                      params=params.key_fields(), created=created)
        try:
            completion: Completion = provider.complete(messages, params, k)
        except GenerationError as e:
            record = GeneratedSample(status=Status.GENERATION_ERROR.value, path=None, raw_path=None,
                                     detail=scrub(f"idea {idea.id} sample {k}: {e}"), attempts=e.attempts, **common)
            write_atomic(meta_path, json.dumps(record.to_dict(), indent=2) + "\n")
            return record
        raw_path = out / "raw" / f"{key}.json"
        raw_entry = {"key": key, "idea": idea.id, "sample": k, "model": completion.model, "provider": base.identity(),
                     "text": completion.text, "raw": completion.raw}
        write_atomic(raw_path, scrub(json.dumps(raw_entry, ensure_ascii=False, indent=1)) + "\n")
        record_turn(out / CASSETTE, purpose="generation", provider=provider, messages=messages, params=params,
                    sample_index=k, idea=idea.id, completion=completion, redact=secrets)
        ex = extract_code(completion.text, form.entry)
        py_path = None
        if ex.code is not None:
            py_path = folder / f"sample-{k}.py"
            header = provenance_header(idea=idea, model=completion.model, provider=provider.kind, phash=phash,
                                       template=template, date=created, params=params.key_fields(), sample=k,
                                       status=ex.status.value, detail=ex.detail)
            write_atomic(py_path, header + form.assemble(ex.code))
        else:
            (folder / f"sample-{k}.py").unlink(missing_ok=True)  # a stale file from an earlier attempt
        u = completion.usage
        record = GeneratedSample(status=ex.status.value, path=_rel(py_path, out) if py_path else None,
                                 raw_path=_rel(raw_path, out), detail=ex.detail, prompt_tokens=u.prompt_tokens,
                                 completion_tokens=u.completion_tokens, latency_s=completion.latency_s,
                                 cost_usd=completion.cost_usd, cached=completion.cached, attempts=completion.attempts,
                                 finish_reason=completion.finish_reason, **common)
        write_atomic(meta_path, scrub(json.dumps(record.to_dict(), indent=2)) + "\n")
        return record

    jobs = []
    for idea in ideas:
        messages = render_messages(idea, template, prompts_dir=prompts_dir, system_template=form.system)
        jobs.extend((idea, k, messages) for k in range(samples))
    limit = max(1, min(concurrency, provider.max_concurrency or concurrency))
    records: list[GeneratedSample] = []
    with ThreadPoolExecutor(max_workers=limit) as pool:
        for record in pool.map(lambda job: one(*job), jobs):
            records.append(record)
            if on_record:
                on_record(record)
    write_atomic(out / "run.json", scrub(json.dumps(summarize(records), indent=2)) + "\n")
    return records


def summarize(records: list[GeneratedSample]) -> dict[str, Any]:
    """Totals for the report: tokens, latency, cost (what the candidates cost, and what this run paid)."""
    by_status: dict[str, int] = {}
    for r in records:
        by_status[r.status] = by_status.get(r.status, 0) + 1
    costs = [r.cost_usd for r in records if r.status != Status.GENERATION_ERROR.value]
    known = [c for c in costs if c is not None]
    spent = [0.0 if r.cached else r.cost_usd for r in records if r.status != Status.GENERATION_ERROR.value]
    ok = by_status.get(Status.OK.value, 0)
    total = sum(known) if known and len(known) == len(costs) else None
    return {
        "candidates": len(records),
        "by_status": by_status,
        "prompt_tokens": sum(r.prompt_tokens or 0 for r in records),
        "completion_tokens": sum(r.completion_tokens or 0 for r in records),
        "latency_s": round(sum(r.latency_s or 0.0 for r in records), 3),
        "cost_usd": total,                      # None when any price was unknown
        "spent_usd": sum(s for s in spent if s is not None) if None not in spent else None,
        "cached": sum(r.cached for r in records),
        "cost_per_extracted_candidate_usd": (total / ok) if total is not None and ok else None,
    }


# ------------------------------------------------------------------------------ configured generators
# A run's generators and its evolution's come from the same config tables and share one response cache.

def generator_name(g: GeneratorConfig) -> str:
    return FORMS[g.form].generator_name(g.provider, g.model)


def run_cassette(run_dir: Path) -> Path:
    """The run's one cassette: every turn of its generation, repairs and evolution (harness/llm/replay.py)."""
    return Path(run_dir) / "candidates" / CASSETTE


def make_generator(g: GeneratorConfig, run_dir: Path) -> tuple[CachedProvider, GenerationParams]:
    """(provider behind the run's response cache, generation parameters) of one configured generator."""
    provider_cfg = {"kind": g.provider, "model": g.model}
    if g.provider in ("openai", "openai-compatible"):
        provider_cfg.update(base_url=g.base_url, api=g.api, api_key_env=g.api_key_env,
                            retry={"max_attempts": g.max_retries + 1})
    elif g.provider == "replay":
        provider_cfg["cassette"] = g.cassette
    elif g.provider == "local":
        provider_cfg.update(engine=g.engine, threads=g.threads)
    provider = CachedProvider(make_provider(provider_cfg), ResponseCache(run_dir / "llm-cache"))
    params = GenerationParams(temperature=g.temperature, max_tokens=g.max_tokens,
                              reasoning_effort=g.reasoning_effort, timeout=g.timeout_s)
    return provider, params
