"""The experiment of a config: generate -> sandbox -> validate -> perplexity -> results store (-> report).

Every pruner, human or machine-written, goes the same way: one sandboxed sweep (one container, one
weight load) over its sparsity levels, the host's validation of each level's tensors, then scoring
of the harness's own model with those tensors copied in. Each job is written to the store the
moment it is scored; a rerun plans only what the store lacks.
"""

from __future__ import annotations

import logging
import queue
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Callable

from sandbox import stopping

from .config import ExperimentConfig
from .generate import generator_name, make_generator
from .generator_check import check_generators, generation_failures, record_outcomes
from harness.core.interface import Status
from harness.core.numbers import fmt_ppl
from .scoring import Scorer, row, session_of
from .folder import RunFolder
from .store import CandidateRecord, ResultsStore
from .sweep import Sweep, SweepSettings, run_sweep, sandbox_limits

log = logging.getLogger("prunegen.run")

GENERATION_NOTE = "run:generation"   # the store note that says the machine side of a run came out empty
CONFIG_NOTE = "0-config"             # [run] note: sorts first among the notes at the report's top


class GenerationFailed(RuntimeError):
    """The run finished, but its generation produced no program, or a generator failed every call."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(" ".join(problems))


def generate_candidates(cfg: ExperimentConfig, run_dir: Path, store: ResultsStore, generators: dict, catalogue,
                        echo) -> list[CandidateRecord]:
    """Ask every configured generator for every idea; record each program in the store's candidates table."""
    from .forms import FORMS
    from .generate import generate, model_slug
    from .prompting import select_ideas

    ideas = select_ideas(",".join(cfg.generation.ideas), catalogue)
    if not ideas:      # a references-only run: no generator is asked anything
        return []
    gen_dir = run_dir / "candidates"
    out = []
    for g in cfg.generation.generators:
        provider, params = generators[generator_name(g)]
        echo(f"generating: {len(ideas)} ideas x {cfg.generation.samples} samples with {generator_name(g)}")
        form = FORMS[g.form]
        for rec in generate(ideas, provider, params, cfg.generation.samples, gen_dir, form=form,
                            concurrency=g.concurrency):
            cid = f"{rec.idea}/{form.slug(model_slug(rec.model))}/sample-{rec.sample}"
            idea = catalogue[rec.idea]
            store.put_candidate(CandidateRecord(
                id=cid, idea=rec.idea, generator=generator_name(g), sample=rec.sample, status=rec.status,
                detail=rec.detail, path=str(gen_dir / rec.path) if rec.path else None,
                prompt_tokens=rec.prompt_tokens, completion_tokens=rec.completion_tokens, cost_usd=rec.cost_usd,
                latency_s=rec.latency_s,
                extra={"title": idea.title, "paper_number": idea.paper_number, "cached": rec.cached,
                       "raw_path": str(gen_dir / rec.raw_path) if rec.raw_path else None}))
            out.append(store.candidates(id=cid)[0])
            echo(f"  {cid}: {rec.status} {rec.detail[:80]}")
    return out


def repair_round(cfg: ExperimentConfig, run_dir: Path, store: ResultsStore, generators: dict, catalogue,
                 previous: list[CandidateRecord], round_: int, echo) -> list[CandidateRecord]:
    """Send every failure of the previous round back to its generator once; return the new candidates."""
    from .repair import failures_to_repair, repair

    failures = failures_to_repair(store, previous)
    echo(f"repair round {round_}: {len(failures)} failed programs go back to their generators")
    out = []
    for f in failures:
        provider, params = generators[f.candidate.generator]
        c = repair(f, catalogue[f.candidate.idea], provider, params, round_, run_dir / "candidates", store)
        echo(f"  {c.id} (was {f.status}): {c.status} {c.detail[:80]}")
        out.append(c)
    return out


def _hyper(h: dict) -> dict:
    return {"hyperparameters": h} if h else {}


def plan(cfg: ExperimentConfig, scorer: Scorer, candidates: list[CandidateRecord],
         references: bool = True) -> list[Sweep]:
    """The sweeps still to run: everything configured minus what the store already holds."""
    from reference_pruners import USES_CALIBRATION, hyperparameters, method_path, sparsity_rule

    from .forms import form_references

    def todo(kind, method, pattern, levels):
        return tuple(s for s in levels if not scorer.store.has(scorer.key(kind, method, s, pattern)))

    def levels_for(pattern, levels):
        return levels if pattern == "unstructured" else (cfg.sparsity.nm_level,)

    sweeps = []
    cand_levels = cfg.sparsity.candidate_levels or cfg.sparsity.levels
    # Beside machine-written programs, at their levels: their prompt's example (a program that returns what
    # the example returns is that example in effect) and their form's own baselines (forms.form_references).
    methods = [(m, cfg.sparsity.levels) for m in cfg.references.methods] + [
        (m, cand_levels) for m in form_references({c.generator for c in candidates if c.status == Status.OK.value})
        if m not in cfg.references.methods]
    for pattern in cfg.sparsity.patterns:
        for method, method_levels in methods if references else ():
            levels = todo("reference", method, pattern, levels_for(pattern, method_levels))
            if levels:
                sweeps.append(Sweep(kind="reference", method=method, path=method_path(method), pattern=pattern,
                                    levels=levels, uses_calibration=method in USES_CALIBRATION,
                                    extra=_hyper(hyperparameters(method)), sparsity_rule=sparsity_rule(method)))
        for c in candidates:
            if c.status != Status.OK.value or not c.path:
                continue
            levels = todo("candidate", c.id, pattern, levels_for(pattern, cand_levels))
            if levels:
                sweeps.append(Sweep(kind="candidate", method=c.id, path=Path(c.path), pattern=pattern, levels=levels,
                                    uses_calibration=True,
                                    ids={"idea": c.idea, "generator": c.generator, "sample": c.sample}))
    return sweeps


def execute(cfg: ExperimentConfig, scorer: Scorer, calib, sweeps: list[Sweep], label: str, say) -> None:
    """Run sweeps, ``cfg.run.workers`` at a time; on a multi-GPU host each running sweep holds one GPU."""
    from tqdm import tqdm

    from sandbox.image import DockerUnavailable

    total = sum(len(s.levels) for s in sweeps)
    say(f"{label}: {len(sweeps)} sweeps, {total} jobs to run")
    if cfg.run.executor == "ray":
        from .executor_ray import execute_ray
        if sweeps:
            execute_ray(cfg, scorer, sweeps, label, say, lambda r: (log.info(r), say(_line(r))))
        return
    slots: queue.Queue = queue.Queue()
    for gpu in cfg.run.gpus or [None] * cfg.run.workers:
        slots.put(gpu)
    with tqdm(total=total, desc=label, unit="job", disable=None) as bar:
        def one(sweep):
            if stopping.requested():   # queued behind the sweeps running when Ctrl-C came
                return []
            gpu = slots.get()
            try:
                return run_sweep(sweep, SweepSettings.of(cfg), scorer, calib, sandbox_limits(cfg, gpu),
                                 lambda r: (log.info(r), bar.update(1)))
            except (DockerUnavailable, stopping.Interrupted):
                raise  # no engine: every sweep would fail the same way; say so once
            except Exception as e:  # the harness's own failure on one sweep: log it, keep the others
                log.exception("sweep %s %s failed", sweep.method, sweep.pattern)
                say(f"sweep {sweep.method} ({sweep.pattern}) failed in the harness: {type(e).__name__}: {e}")
                return []
            finally:
                slots.put(gpu)
        stopping.clear()
        with ThreadPoolExecutor(max_workers=slots.qsize()) as pool:
            try:
                for rows in pool.map(one, sweeps):
                    for r in rows:
                        say(_line(r))
            except KeyboardInterrupt:
                # Only this thread sees Ctrl-C; without this the pool would wait for every running sweep.
                say("interrupted: stopping the running sandboxes (finished jobs are stored)")
                stopping.stop_all()
                raise


def setup_logging(run_dir: Path) -> Path:
    logs = run_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    path = logs / time.strftime("run-%Y%m%d-%H%M%S.log")
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    return path


def run(cfg: ExperimentConfig, *, echo=print, report: Callable[[Path, str], Path] | None = None) -> Path:
    """The whole experiment of ``cfg``; returns the run directory. Safe to kill and rerun.

    ``report(run_dir, title)``, when given, writes the run's report last and returns where: the CLI
    passes the renderer (``harness.cli.run``), so nothing of the run imports it.
    """
    from .preflight import preflight

    preflight(cfg)   # engine, data, models, disk, run folder: fail in seconds, not after generation
    run_dir = Path(cfg.run.out)
    run_dir.mkdir(parents=True, exist_ok=True)
    log_path = setup_logging(run_dir)

    def say(msg):
        log.info(msg if isinstance(msg, str) else repr(msg))
        echo(msg)

    say(f"run {cfg.run.name}: {run_dir} (log {log_path})")
    from .prompting import load_ideas, select_ideas

    catalogue = load_ideas(cfg.generation.ideas_file)
    generators = {generator_name(g): make_generator(g, run_dir) for g in cfg.generation.generators}
    asks = bool(select_ideas(",".join(cfg.generation.ideas), catalogue)) and bool(generators)
    with ResultsStore(RunFolder(run_dir).store) as store:
        if cfg.run.note:
            store.put_note(CONFIG_NOTE, cfg.run.note)
        else:
            store.forget_note(CONFIG_NOTE)
        if asks or (cfg.search.enabled and generators):   # a real reply from each generator before the first
            # idea (or the search's first call), or a fallback, or a stop
            configs = {generator_name(g): g for g in cfg.generation.generators}
            record_outcomes(store, check_generators(
                generators, configs, lambda g: make_generator(replace(g, engine="transformers"), run_dir), say))
        candidates = generate_candidates(cfg, run_dir, store, generators, catalogue, say)
        failures = generation_failures(candidates, list(generators)) if asks else []
        store.forget_note(GENERATION_NOTE)
        store.forget_note("search")
        if failures:
            store.put_note(GENERATION_NOTE, " ".join(failures))
            for f in failures:
                say(f)
        for index, spec in enumerate(cfg.model.specs):
            session = session_of(cfg, spec, store)
            lm, scorer = session.lm, session.scorer
            dense = scorer.record_dense()
            if dense:
                say(_line(row(dense)))
            calib = session.calib
            execute(cfg, scorer, calib, plan(cfg, scorer, candidates), spec, say)
            if index == 0:  # repairs are driven by how programs fared on the first model
                current = [c for c in candidates if c.round == 0]
                for round_ in range(1, cfg.generation.repair_rounds + 1):
                    current = repair_round(cfg, run_dir, store, generators, catalogue, current, round_, say)
                    if not current:
                        break
                    candidates += current
                    execute(cfg, scorer, calib, plan(cfg, scorer, current, references=False), spec, say)
            if cfg.evolution.enabled:  # after the sweeps: its best programs are scored like any candidate
                from .evolve import run_evolution
                try:
                    limits = sandbox_limits(cfg, (cfg.run.gpus or [None])[0])
                    run_evolution(cfg, run_dir, store, scorer, calib, limits, say)
                except Exception as e:  # the harness's own failure: what evolution stored stays, the report follows
                    log.exception("evolution on %s failed", spec)
                    say(f"evolution on {spec} failed in the harness: {type(e).__name__}: {e}")
            if cfg.search.enabled:  # the discovery engine, after the sweeps; its finalists are scored like any candidate
                from harness.run.search.loop import run_search, search_failures
                try:
                    limits = sandbox_limits(cfg, (cfg.run.gpus or [None])[0])
                    checked = generators.get(generator_name(cfg.generation.generators[cfg.search.generator]))
                    summary = run_search(cfg, run_dir, store, scorer, calib, limits, say, generator=checked)
                    empty = search_failures(summary)
                    if empty:   # a search whose every call failed is a failed run, said at the report's top
                        store.put_note("search", " ".join(empty))
                        failures = [*failures, *empty]
                        for f in empty:
                            say(f)
                except Exception as e:  # the harness's own failure: what the search stored stays, the report follows
                    log.exception("search on %s failed", spec)
                    say(f"search on {spec} failed in the harness: {type(e).__name__}: {e}")
            del lm, scorer, session
    if report is not None:
        say(f"report: {report(run_dir, cfg.run.name)}")
    if failures:   # the references were scored and the report says it at its top; the run still failed
        raise GenerationFailed(failures)
    return run_dir


def _line(r: dict) -> str:
    ppl = fmt_ppl(r["perplexity"]) or "-"
    return f"{r['kind']:>9} {r['method'][:40]:>40} {r['pattern']:>12} {r['sparsity']:>5}  ppl {ppl:>12}  {r['status']}"


RETRYABLE = (Status.TIMEOUT.value, Status.OUT_OF_MEMORY.value, Status.KILLED.value, Status.RUNTIME_ERROR.value)


def parse_retry(text: str) -> set[str]:
    """``--retry timeout,killed`` -> {"timeout", "killed"}; only statuses a rerun can change are accepted."""
    wanted = {s.strip() for s in text.split(",") if s.strip()}
    bad = sorted(wanted - set(RETRYABLE))
    if bad or not wanted:
        raise ValueError(f"--retry: {', '.join(bad) or 'nothing given'}: give one or more of {', '.join(RETRYABLE)}")
    return wanted
