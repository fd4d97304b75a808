"""``prunegen export-model RUN --candidate ID | --method NAME --level S [--pattern P] DEST``: a stored job's
pruned model as a standard Hugging Face folder.

The store keeps numbers, not weights. So the job is made again, exactly as the run made it
(:class:`harness.run.verify.Rerun`, the machinery of ``prunegen report --verify``): the same pruner file in
the same sandbox, the same calibration draw and seed, the run's own config. Nothing is written unless

  * the job's stored fingerprint still hashes to its digest and matches what this machine would
    record now (model weights, tokenizer, evaluation text, seqlen, windows, dtype, device, library
    versions), its calibration description is the one drawn now, and its pruner file is unchanged;
  * the re-made model's perplexity equals the stored one bit for bit.

DEST then holds what ``AutoModelForCausalLM.from_pretrained(DEST)`` loads (``model.safetensors``,
``config.json``, ``generation_config.json``, the tokenizer files), a ``README.md`` model card (method,
level, pattern, achieved sparsity overall and per layer, perplexity and on what, fingerprint, the
pruner's source) and ``prunegen-export.json``, the same facts for programs.
"""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from harness.run.config import ExperimentConfig
from harness.core.evaluate import fingerprint
from harness.core.fingerprint import EvalFingerprint
from harness.run.store import JobRow
from harness.run.verify import Rerun, VerifyError, fingerprint_differences, pruner_file, open_rerun

INFO = "prunegen-export.json"


class ExportModelError(ValueError):
    """The job cannot be exported as asked; nothing was written."""


@dataclass(frozen=True)
class ExportedModel:
    dest: Path
    job: JobRow               # the stored job (its fingerprint, perplexity, ...)
    perplexity: float         # stored and re-made: equal bit for bit
    sparsity: dict            # harness.core.sparsity.SparsityReport.as_dict() of the written model
    files: tuple[str, ...]


def _digest_fields(fp: dict) -> dict:
    """The fields of a stored fingerprint that its digest covers (see EvalFingerprint.digest)."""
    body = {k: v for k, v in fp.items() if k not in ("environment", "calibration", "zero_shot")}
    body["data"] = {k: v for k, v in (fp.get("data") or {}).items() if k != "origin"}
    if str(body["data"].get("source", "")).startswith("text:"):
        body["data"]["source"] = "text"
    return body


def fingerprint_problems(row: JobRow, rerun: Rerun) -> list[str]:
    """Why the stored job's fingerprint no longer matches what a re-run here would be (empty: it matches)."""
    stored = row.fingerprint or {}
    problems = []
    try:
        own = EvalFingerprint(**stored).digest
    except TypeError as e:
        return [f"its stored fingerprint is not a fingerprint ({e})"]
    if own != row.fingerprint_digest:
        problems.append(f"its stored fingerprint hashes to {own}, not to its recorded digest "
                        f"{row.fingerprint_digest} (the row was changed after the run)")
    s = rerun.scorer
    now = fingerprint(s.lm, s.text, s.setup, s.windows)
    if now.digest != row.fingerprint_digest:
        then, here = _digest_fields(stored), _digest_fields(now.as_dict())
        diff = []
        for key in sorted(set(then) | set(here)):
            a, b = then.get(key), here.get(key)
            if isinstance(a, dict) and isinstance(b, dict):
                diff += [f"{key}.{k} {a.get(k)!r} -> {b.get(k)!r}" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
            elif a != b:
                diff.append(f"{key} {a!r} -> {b!r}")
        problems.append(f"its fingerprint {row.fingerprint_digest} is {now.digest} here"
                        + (f" ({'; '.join(diff)})" if diff else ""))
    cal = stored.get("calibration")
    if cal is not None and cal != rerun.calib.describe:
        diff = [f"{k} {cal.get(k)!r} -> {rerun.calib.describe.get(k)!r}"
                for k in sorted(set(cal) | set(rerun.calib.describe)) if cal.get(k) != rerun.calib.describe.get(k)]
        problems.append("its calibration is not the one drawn now (" + "; ".join(diff) + ")")
    if row.kind != "dense":
        path, changed = pruner_file(row)
        if changed:
            problems.append(f"its pruner file {path} changed since (sha256 "
                            f"{row.artefacts.get('pruner_sha256', '?')[:16]}... stored)")
    return problems


def find_job(rerun: Rerun, kind: str, method: str, level: float, pattern: str) -> JobRow:
    """The stored ok job of ``method`` at ``level`` and ``pattern`` made with the config's setup."""
    key = rerun.scorer.key(kind, method, level, pattern).digest
    for r in rerun.rows:
        if r.key == key:
            return r
    name = f"{kind} {method} at {level:g} ({pattern})"
    same = [r for r in rerun.store.rows(kind=kind, method=method, pattern=pattern) if abs(r.sparsity - level) < 1e-12]
    if same and any(r.key == key for r in same):
        r = next(r for r in same if r.key == key)
        raise ExportModelError(f"{name} is stored with status {r.status}"
                               + (f" ({r.detail[:200]})" if r.detail else "") + ": only an ok job has a model")
    if same:
        raise ExportModelError(f"{name} is stored, but made with another evaluation or calibration setup than this "
                               "config's: pass the run's own config with --config")
    levels = sorted({r.sparsity for r in rerun.rows if r.kind == kind and r.method == method
                     and r.pattern == pattern})
    if levels:
        raise ExportModelError(f"{name}: no such job; its ok levels are {', '.join(f'{x:g}' for x in levels)}")
    known = sorted({r.method for r in rerun.rows if r.kind == kind})
    raise ExportModelError(f"{name}: no ok job of this {kind} in the run; its {kind}s with ok jobs: "
                           + (", ".join(known) if known else "none"))


def _prepare_dest(dest: Path, force: bool) -> None:
    if dest.exists() and not dest.is_dir():
        raise ExportModelError(f"{dest} exists and is not a folder")
    if dest.is_dir() and any(dest.iterdir()) and not (force or (dest / INFO).is_file()):
        raise ExportModelError(f"{dest} is a folder that is not empty and not an earlier export-model: "
                               "choose another DEST or pass --force")


def export_model(run_dir: Path, cfg: ExperimentConfig, dest: Path, *, candidate: str | None = None,
                 method: str | None = None, level: float, pattern: str = "unstructured", force: bool = False,
                 echo=print) -> ExportedModel:
    """Re-make one stored job of ``run_dir`` under ``cfg`` (the run's config) and write its model to ``dest``."""
    if (candidate is None) == (method is None):
        raise ExportModelError("name the job with exactly one of --candidate ID or --method NAME")
    kind, name = ("candidate", candidate) if candidate is not None else ("reference", method)
    dest = Path(dest)
    _prepare_dest(dest, force)
    try:
        with open_rerun(run_dir, cfg) as rerun:
            row = find_job(rerun, kind, name, float(level), pattern)
            problems = fingerprint_problems(row, rerun)
            if problems:
                raise ExportModelError(f"{kind} {name} at {level:g}: the run's fingerprint no longer matches, so "
                                       "its job cannot be made again as it was: " + "; ".join(problems))
            echo(f"re-running {kind} {name} at {level:g} ({pattern}) as the run made it ...")
            kept: dict = {}
            status, ppl, _ = rerun.job(row, on_tensors=lambda lv, t: kept.update(
                {k: v.detach().clone() for k, v in t.items()}))
            stored = row.perplexity
            if status != "ok" or ppl != stored or not kept:
                changed = fingerprint_differences(row.fingerprint)
                raise ExportModelError(
                    f"{kind} {name} at {level:g}: the re-run gave {status} with perplexity {ppl!r}, the store holds "
                    f"{stored!r}: not bit for bit, so no model is written"
                    + (f" (changed since: {', '.join(f'{k} {a} -> {b}' for k, (a, b) in changed.items())})"
                       if changed else ""))
            return _write(rerun, row, kept, dest, force)
    except VerifyError as e:
        raise ExportModelError(str(e)) from None


def _write(rerun: Rerun, row: JobRow, tensors: dict, dest: Path, force: bool) -> ExportedModel:
    from sandbox.api import copy_prunable

    from harness.core.sparsity import measure_model

    model, tok = rerun.lm.model, rerun.lm.tokenizer
    tmp = dest.with_name(dest.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        copy_prunable(model, tensors)
        sparsity = measure_model(model).as_dict()
        model.save_pretrained(str(tmp))
        tok.save_pretrained(str(tmp))
        if getattr(model, "generation_config", None) is not None and not (tmp / "generation_config.json").is_file():
            model.generation_config.save_pretrained(str(tmp))
    finally:
        rerun.scorer.restore()
    path, _ = pruner_file(row)
    source = path.read_text(encoding="utf-8")
    info = {"run": str(rerun.store.path.parent), "kind": row.kind, "method": row.method,
            "idea": row.idea, "generator": row.generator, "sample": row.sample,
            "model": row.model, "level": row.sparsity, "pattern": row.pattern,
            "perplexity": row.perplexity, "achieved_sparsity": row.achieved_sparsity, "sparsity": sparsity,
            "job_key": row.key, "fingerprint_digest": row.fingerprint_digest, "fingerprint": row.fingerprint,
            "pruner": {"path": str(path), "sha256": row.artefacts.get("pruner_sha256")},
            "eval": {"source": rerun.cfg.eval.source, "seqlen": rerun.cfg.eval.seqlen,
                     "windows": row.fingerprint["windows"]},
            # lm-eval's scores of this job, where the run had [eval] zero_shot (harness.run.zeroshot)
            "zero_shot": row.extra.get("zero_shot"),
            "zero_shot_fingerprint": (row.fingerprint or {}).get("zero_shot")}
    (tmp / INFO).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    (tmp / "README.md").write_text(model_card(info, source), encoding="utf-8")
    if dest.exists():
        shutil.rmtree(dest)
    tmp.rename(dest)
    files = tuple(sorted(p.name for p in dest.iterdir()))
    return ExportedModel(dest, row, row.perplexity, sparsity, files)


def model_card(info: dict, source: str) -> str:
    fp = info["fingerprint"]
    data = fp.get("data") or {}
    who = (f"machine-written program `{info['method']}` (idea `{info['idea']}`, generator `{info['generator']}`)"
           if info["kind"] == "candidate" else f"the reference method `{info['method']}`")
    cal = fp.get("calibration")
    cal_line = (f"{cal.get('nsamples')} x {cal.get('seqlen')} tokens of `{cal.get('source')}`, seed {cal.get('seed')}, "
                f"draw `{cal.get('draw')}`" if cal else "none (a data-free method)")
    layers = "\n".join(f"| `{name}` | {s:.4%} |" for name, s in info["sparsity"]["layers"].items())
    fence = "```"
    while fence in source:
        fence += "`"
    return f"""---
library_name: transformers
tags:
- pruning
- sparsity
- prunegen
---

# {info['model']} pruned to {info['level']:g} ({info['pattern']}) by {info['method']}

Pruned by {who} with prunegen, re-made from the stored job and checked to give the
stored perplexity bit for bit before it was written.

| | |
| --- | --- |
| base model | `{info['model']}` (weights sha256 `{fp.get('weights_sha256', '')[:16]}...`, {fp.get('dtype')}) |
| method | `{info['method']}` ({info['kind']}) |
| level | {info['level']:g} |
| pattern | {info['pattern']} |
| achieved sparsity | {info['sparsity']['overall']:.4%} of the prunable weights ({info['sparsity']['zeros']:,} of {info['sparsity']['total']:,} zero) |
| perplexity | {info['perplexity']!r} |
| evaluated on | `{data.get('source')}` (sha256 `{str(data.get('sha256', ''))[:16]}...`, joined with {data.get('join', '')!r}), {fp.get('windows')} window(s) of {fp.get('seqlen')} tokens, on {fp.get('device')} |
| calibration | {cal_line} |
| fingerprint | `{info['fingerprint_digest']}` (job `{info['job_key']}`) |

The prunable weights are the `nn.Linear` weights inside the decoder blocks; embeddings, norms and
`lm_head` are the base model's. Zeros are stored as dense zeros (no sparse format).

## Sparsity per layer

| layer | sparsity |
| --- | --- |
{layers}

{zero_shot_section(info)}## Fingerprint

{fence}json
{json.dumps(fp, indent=2, sort_keys=True)}
{fence}

## The pruner

`{info['pruner']['path']}` (sha256 `{info['pruner']['sha256']}`):

{fence}python
{source.rstrip()}
{fence}
"""


def zero_shot_section(info: dict) -> str:
    """The card's zero-shot scores (the run's [eval] zero_shot, by lm-eval), or nothing."""
    scores, fp = info.get("zero_shot"), info.get("zero_shot_fingerprint") or {}
    if not scores:
        return ""
    rows = "\n".join(f"| {task} | {metric} | {value:.4f} |" for task, metrics in scores.items()
                     for metric, value in metrics.items())
    limit = f", first {fp['limit']:g} document(s) per task" if fp.get("limit") is not None else ""
    return (f"## Zero-shot (lm-eval {fp.get('lm_eval')}{limit})\n\n| task | metric | value |\n| --- | --- | --- |\n"
            f"{rows}\n\n")


def push(dest: Path, repo: str) -> str:
    """Upload ``dest`` to the hub repository ``repo`` (created if missing); returns its URL."""
    from huggingface_hub import HfApi

    api = HfApi()
    api.create_repo(repo, exist_ok=True)
    api.upload_folder(folder_path=str(dest), repo_id=repo, commit_message="prunegen export-model")
    return f"https://huggingface.co/{repo}"


def cmd_export_model(args) -> int:
    from harness.run.config import ConfigError
    from .report import load_run_config

    try:
        cfg = load_run_config(Path(args.run), args.config)
        ex = export_model(Path(args.run), cfg, Path(args.dest), candidate=args.candidate, method=args.method,
                          level=args.level, pattern=args.pattern, force=args.force)
    except (ExportModelError, ConfigError) as e:
        print(f"prunegen export-model: error: {e}", file=sys.stderr)
        return 2
    print(f"{ex.dest}: {ex.job.kind} {ex.job.method} at {ex.job.sparsity:g} ({ex.job.pattern}), "
          f"perplexity {ex.perplexity!r} (re-made bit for bit), sparsity {ex.sparsity['overall']:.4%}; "
          f"{', '.join(ex.files)}")
    if args.push:
        print(f"pushed to {push(ex.dest, args.push)}")
    return 0


def register(sub) -> None:
    p = sub.add_parser("export-model", help="re-make a stored job and write its pruned model as a Hugging Face folder")
    p.add_argument("run", metavar="RUN", help="the run directory (holding results.sqlite and config.toml)")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--candidate", metavar="ID", help="a machine-written program's id (jobs.method)")
    who.add_argument("--method", metavar="NAME", help="a reference method (magnitude, wanda, ...)")
    p.add_argument("--level", type=float, required=True, metavar="S", help="the job's sparsity level, e.g. 0.5")
    p.add_argument("--pattern", default="unstructured", metavar="P", help="unstructured (default), 2:4, 4:8, ...")
    p.add_argument("--config", default=None, help="the run's config (default: RUN/config.toml and its --set overrides)")
    p.add_argument("--force", action="store_true", help="replace DEST even if it is a folder of something else")
    p.add_argument("--push", metavar="REPO", default=None,
                   help="then upload DEST to this Hugging Face hub repository (needs the hub and a token)")
    p.add_argument("dest", metavar="DEST", help="the folder to write")
    p.set_defaults(func=cmd_export_model)
