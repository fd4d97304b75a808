"""Evolutionary search over pruning programs (FunSearch / AlphaEvolve style), with a best-of-N control.

Per idea and model:

1. **Seeds** (generation 0): the pipeline's one-pass programs for the idea from the evolving generator
   (or, if the idea was not generated, ``generation.samples`` one-pass samples asked here), plus the
   human seed programs of ``evolution.seeds`` (``prompts/seeds/``; FunSearch starts from such a trivial
   program), which cost no LLM call and join the best-of-N pool too, so neither arm is credited with them.
2. **Generations 1..G**: the ``top_k`` best programs of the population, with their held-out scores,
   go into ``prompts/evolve.j2``; the model writes ``children_per_generation`` new programs; each is
   extracted, deduplicated by :func:`normalised_ast_hash`, sandboxed at the fitness levels and scored.
   The population keeps the ``population`` best programs (:class:`ProgramsDatabase`).
3. **Best-of-N**: N = the LLM calls evolution spent on the idea (one-pass seeds included), as independent
   one-pass samples, pooled with the human seeds (template ``user``, sample indices from :data:`BEST_OF_N_OFFSET`, so none is one of
   the pipeline's own samples), the best picked by the same held-out fitness.
4. The best program of each arm (and, where a human seed is the best, the best the model wrote) is then
   scored on the **reported test windows** at the fitness levels
   through the ordinary sandbox + :class:`~harness.run.scoring.Scorer` path (``candidate`` jobs), and the
   summary goes to the store's ``evolution`` table for the report's Table 10.

**Fitness** is the mean over the fitness levels of the log-perplexity on held-out windows
(:func:`heldout_windows`), which are never the reported test windows; any level that fails makes it
``+inf`` and the failing status is kept. Lower is better.

Every program is a row of the store's ``candidates`` table (``round`` = generation, ``parent`` = the
best program of the prompt that produced it, ``extra.mode`` = ``evolve`` | ``best-of-n``) and has its
held-out fitness in the ``fitness`` table, so a killed run resumes: the response cache makes the LLM
calls free and the fitness table makes the sandbox runs free.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .extract import extract_code
from harness.core.interface import Status
from harness.llm.base import GenerationError, GenerationParams
from harness.llm.replay import record_turn
from harness.core.numbers import fmt_ppl
from harness.core.program_identity import normalised_ast_hash, program_code  # noqa: F401 - evolution's names for them
from .prompting import Idea, render_messages
from .store import BEST_OF_N, EVOLUTION_MODES, EVOLVE, SEED, CandidateRecord, FitnessRow, ResultsStore

if TYPE_CHECKING:  # torch only where tensors are made
    import torch

    from harness.core.data import Calibration

log = logging.getLogger("prunegen.evolve")

SEED_GENERATOR = "human"                     # candidates.generator of a human seed
BEST_OF_N_OFFSET = 1000                      # best-of-N sample indices: 1000, 1001, ...
HUMAN_BASELINES = ("wanda", "sparsegpt")     # scored on the held-out windows too, for comparison


# ------------------------------------------------------------------------------------------ fitness

@dataclass(frozen=True)
class LevelScore:
    level: float
    status: str                    # ok, or the sandbox/validation status of this level
    perplexity: float | None       # on the held-out windows; None unless ok
    detail: str = ""


@dataclass(frozen=True)
class Fitness:
    value: float                   # mean log-perplexity over the levels; +inf if any level failed
    status: str                    # ok, or the first failing level's status
    levels: tuple[LevelScore, ...]

    @property
    def ok(self) -> bool:
        return math.isfinite(self.value)

    def as_json(self) -> dict:
        return {"fitness": self.value if self.ok else None, "status": self.status,
                "levels": [asdict(s) for s in self.levels]}

    @classmethod
    def from_row(cls, row: FitnessRow) -> "Fitness":
        value = row.fitness if row.fitness is not None else math.inf
        return cls(value, row.status, tuple(LevelScore(**s) for s in row.levels))


def fitness_from_levels(levels: list[LevelScore] | tuple[LevelScore, ...]) -> Fitness:
    """Mean log-perplexity over ``levels``; +inf with the first failure's status if any level failed."""
    levels = tuple(levels)
    bad = [s for s in levels if s.status != Status.OK.value or s.perplexity is None
           or not math.isfinite(s.perplexity) or s.perplexity <= 0]
    if bad or not levels:
        real = [s for s in bad if s.status != Status.SKIPPED.value]
        first = (real or bad)[0] if bad else None
        status = first.status if first and first.status != Status.OK.value else Status.NON_FINITE.value
        return Fitness(math.inf, status if levels else "no-levels", levels)
    return Fitness(sum(math.log(s.perplexity) for s in levels) / len(levels), Status.OK.value, levels)


def heldout_windows(tokenizer, eval_cfg, evo_cfg) -> tuple[torch.Tensor, dict]:
    """The held-out windows [fitness_windows, eval.seqlen] fitness is measured on, and what they are.

    * ``evolution.heldout_source = "text:PATH"``: the first windows of that file;
    * eval source ``wikitext2``: the first windows of WikiText-2 **validation** (the report uses test);
    * eval source ``text:PATH``: the windows right **after** the ``eval.max_windows`` reported ones
      of the same text, so the two never share a token.
    """
    import torch

    from harness.core.data import eval_text, heldout_text
    from harness.core.perplexity import make_windows

    n, seqlen = evo_cfg.fitness_windows, eval_cfg.seqlen
    skip = 0
    if evo_cfg.heldout_source:
        text = eval_text(evo_cfg.heldout_source)
        if eval_cfg.source == evo_cfg.heldout_source:
            raise ValueError("evolution.heldout_source is the evaluation text itself: the fitness would see the "
                             "reported windows; leave heldout_source out to use the windows after them")
    elif eval_cfg.source == "wikitext2":
        text = heldout_text()
    else:
        text = eval_text(eval_cfg.source)
        skip = eval_cfg.max_windows or 0
    ids = torch.tensor(tokenizer(text.text)["input_ids"], dtype=torch.long)
    every = make_windows(ids, seqlen)
    windows = every[skip: skip + n]
    if windows.shape[0] < n:
        raise ValueError(f"held-out text {text.source} has {every.shape[0]} windows of {seqlen} tokens; evolution "
                         f"needs {n} after the {skip} reported ones")
    return windows, {**text.describe(), "first_window": skip, "windows": n, "seqlen": seqlen}


# ------------------------------------------------------------------------------------------ database

@dataclass(frozen=True)
class Program:
    id: str                        # candidate id (also jobs.method when scored on the test windows)
    code: str
    ast_hash: str
    fitness: Fitness
    generation: int
    path: str
    parent: str | None = None
    seed: bool = False             # a human seed program (evolution.seeds), not written by the model


class ProgramsDatabase:
    """One idea's population: the ``capacity`` best programs by fitness, and every hash ever seen.

    A program whose hash was seen before (even if since evicted) is a duplicate and is not added, so it
    is neither re-run nor shown again. Ties in fitness keep the earlier program first.
    """

    def __init__(self, capacity: int):
        self.capacity = capacity
        self._members: list[tuple[float, int, Program]] = []
        self._seen: dict[str, str] = {}   # ast hash -> id of the first program with it
        self._count = 0

    def duplicate_of(self, ast_hash: str) -> str | None:
        return self._seen.get(ast_hash)

    def add(self, program: Program) -> bool:
        """Insert ``program`` unless its hash was seen; returns whether it was new."""
        if program.ast_hash in self._seen:
            return False
        self._seen[program.ast_hash] = program.id
        self._members.append((program.fitness.value, self._count, program))
        self._count += 1
        self._members.sort(key=lambda m: (m[0], m[1]))
        del self._members[self.capacity:]
        return True

    def top(self, k: int) -> list[Program]:
        return [m[2] for m in self._members[:k]]

    def best(self) -> Program | None:
        return self._members[0][2] if self._members else None

    def __len__(self) -> int:
        return len(self._members)


# ------------------------------------------------------------------------------------------- context

@dataclass
class EvolveContext:
    """What one model's evolution needs: the run's config, store, scorer, calibration and LLM."""
    cfg: object                    # ExperimentConfig
    run_dir: Path
    store: ResultsStore
    scorer: object                 # harness.run.scoring.Scorer (its model, lock, dense weights)
    calibration: Calibration       # ids: LongTensor [nsamples, seqlen], and its description
    windows: torch.Tensor          # held-out LongTensor [fitness_windows, seqlen]
    heldout: dict                  # description of the held-out windows
    limits: object                 # sandbox.limits.SandboxLimits
    provider: object               # CachedProvider
    params: GenerationParams
    generator: str                 # provider:model, as in the candidates table
    echo: Callable = print
    setup: str = field(init=False)

    def __post_init__(self):
        evo = self.cfg.evolution
        payload = [self.scorer.setup_digest, self.heldout.get("text_sha256"), self.heldout.get("first_window"),
                   int(self.windows.shape[0]), int(self.windows.shape[1]), sorted(evo.fitness_levels)]
        self.setup = hashlib.sha256(json.dumps(payload).encode()).hexdigest()[:16]

    @property
    def levels(self) -> tuple[float, ...]:
        return tuple(sorted(self.cfg.evolution.fitness_levels))

    @property
    def model_tag(self) -> str:
        from .generate import model_slug
        return model_slug(Path(self.scorer.lm.info.spec).name)[:40]

    @property
    def slug(self) -> str:
        from .generate import model_slug
        return model_slug(self.provider.model)

    def folder(self, idea: str) -> Path:
        return self.run_dir / "evolution" / self.model_tag / idea / self.slug


def run_sandboxed_fitness(ctx: EvolveContext, path: Path, uses_calibration: bool = True) -> Fitness:
    """Sandbox ``path`` at the fitness levels; score each validated level on the held-out windows."""
    from sandbox.api import load_validated, run_candidate
    from sandbox.job import SandboxJob

    from harness.core.perplexity import perplexity

    cfg, scorer = ctx.cfg, ctx.scorer
    job = SandboxJob(Path(scorer.lm.info.path), ctx.calibration.ids if uses_calibration else ctx.calibration.ids[:0], ctx.levels,
                     "unstructured", device=cfg.model.device, dtype=cfg.model.dtype, stop_on_error=True)
    scores = []
    with tempfile.TemporaryDirectory(prefix="prunegen-fitness-") as keep:
        for r in run_candidate(path, job, ctx.limits, backend=cfg.sandbox.backend, keep_dir=Path(keep)):
            ppl = None
            if r.ok:
                with scorer.lock:
                    try:
                        load_validated(scorer.lm.model, r)
                        ppl = perplexity(scorer.lm.model, ctx.windows, batch_size=scorer.setup.batch_size,
                                         device=scorer.lm.info.device).perplexity
                    finally:
                        scorer.restore()
            scores.append(LevelScore(float(r.level), str(r.status), ppl, (r.detail or "")[:300]))
    return fitness_from_levels(scores)


def program_fitness(ctx: EvolveContext, program_id: str, path: Path, ast_hash: str | None,
                    uses_calibration: bool = True) -> Fitness:
    """Held-out fitness of one program: from the store when this code was scored under this setup, else run."""
    own = ctx.store.fitness(ctx.setup, program=program_id)
    if own is not None and own.ast_hash == ast_hash:
        return Fitness.from_row(own)   # a rerun: this very program was scored already
    # The same code under another id (a restyled duplicate in the other arm) has the same fitness.
    known = ctx.store.fitness(ctx.setup, ast_hash=ast_hash) if ast_hash is not None else None
    f = Fitness.from_row(known) if known is not None else run_sandboxed_fitness(ctx, path, uses_calibration)
    ctx.store.put_fitness(program_id, ctx.setup, ast_hash, f.value if f.ok else None, f.status,
                          [asdict(s) for s in f.levels])
    return f


# ---------------------------------------------------------------------------------------- LLM calls

@dataclass(frozen=True)
class Reply:
    """One LLM call's outcome: extraction status, the code (if any), and its usage."""
    status: str
    code: str | None
    detail: str
    path: Path | None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost_usd: float | None = None
    latency_s: float | None = None
    cached: bool = False


def ask(ctx: EvolveContext, idea: Idea, messages: list[dict], sample: int, stem: Path, template: str) -> Reply:
    """One call: complete, record the turn in the run's cassette, extract, write ``<stem>.py`` with provenance."""
    from .generate import provenance_header, run_cassette, utc_now, write_atomic
    from harness.llm.keys import prompt_hash

    try:
        completion = ctx.provider.complete(messages, ctx.params, sample)
    except GenerationError as e:
        return Reply(Status.GENERATION_ERROR.value, None, f"idea {idea.id} sample {sample}: {e}", None)
    # The run's one cassette, beside its generation and repairs: what `provider = "replay"` reruns it from.
    record_turn(run_cassette(ctx.run_dir), purpose="evolution", provider=ctx.provider, messages=messages,
                params=ctx.params, sample_index=sample, idea=idea.id, completion=completion)
    ex = extract_code(completion.text)
    path = None
    if ex.code is not None:
        path = stem.with_suffix(".py")
        header = provenance_header(idea=idea, model=completion.model, provider=ctx.provider.kind,
                                   phash=prompt_hash(messages), template=template, date=utc_now(),
                                   params=ctx.params.key_fields(), sample=sample, status=ex.status.value,
                                   detail=ex.detail)
        write_atomic(path, header + ex.code)
    u = completion.usage
    return Reply(ex.status.value, ex.code, ex.detail, path, u.prompt_tokens, u.completion_tokens,
                 completion.cost_usd, completion.latency_s, completion.cached)


def _record(ctx: EvolveContext, idea: Idea, cid: str, sample: int, reply: Reply, *, mode: str, generation: int,
            parent: str | None, ast_hash: str | None, fitness: Fitness | None, duplicate_of: str | None) -> None:
    extra = {"mode": mode, "model": ctx.scorer.lm.info.spec, "title": idea.title, "paper_number": idea.paper_number,
             "cached": reply.cached, "ast_hash": ast_hash, "duplicate_of": duplicate_of, "fitness_setup": ctx.setup}
    if fitness is not None:
        extra.update(fitness=fitness.value if fitness.ok else None, fitness_status=fitness.status,
                     heldout=[asdict(s) for s in fitness.levels])
    ctx.store.put_candidate(CandidateRecord(
        id=cid, idea=idea.id, generator=ctx.generator, sample=sample, status=reply.status, detail=reply.detail,
        path=str(reply.path) if reply.path else None, round=generation, parent=parent,
        prompt_tokens=reply.prompt_tokens, completion_tokens=reply.completion_tokens, cost_usd=reply.cost_usd,
        latency_s=reply.latency_s, extra=extra))


def _consider(ctx: EvolveContext, db: ProgramsDatabase, arm: "ArmResult", idea: Idea, cid: str, sample: int,
              reply: Reply, *, mode: str, generation: int, parent: str | None) -> Program | None:
    """Dedup, score and record one reply (and count it in ``arm``); returns the new program, or None."""
    arm.calls += 1
    if reply.status != Status.OK.value or reply.code is None:
        _record(ctx, idea, cid, sample, reply, mode=mode, generation=generation, parent=parent, ast_hash=None,
                fitness=None, duplicate_of=None)
        ctx.echo(f"  {cid}: {reply.status} {reply.detail[:80]}")
        return None
    h = normalised_ast_hash(reply.code)
    dup = db.duplicate_of(h)
    if dup is None:
        fitness = program_fitness(ctx, cid, reply.path, h)
    else:
        known = ctx.store.fitness(ctx.setup, ast_hash=h)
        fitness = Fitness.from_row(known) if known is not None else Fitness(math.inf, "not-scored", ())
    _record(ctx, idea, cid, sample, reply, mode=mode, generation=generation, parent=parent, ast_hash=h,
            fitness=fitness, duplicate_of=dup)
    if dup is not None:
        arm.duplicates += 1
        ctx.echo(f"  {cid}: duplicate of {dup} (same normalised AST), not re-run")
        return None
    program = Program(cid, reply.code, h, fitness, generation, str(reply.path), parent)
    _admit(db, arm, program)
    ctx.echo(f"  {cid}: fitness {_fmt(fitness.value)} ({fitness.status})")
    return program


# ------------------------------------------------------------------------------------------ the loop

def _admit(db: ProgramsDatabase, arm: "ArmResult", program: Program) -> None:
    """A new model-written program joins the population and the arm's counts."""
    db.add(program)
    arm.offer(program)
    arm.programs += 1


@dataclass
class ArmResult:
    """One arm of the comparison (evolution or best-of-N) for one idea."""
    calls: int = 0                  # LLM calls spent (cache hits count: the budget is calls, not dollars)
    programs: int = 0               # distinct programs scored
    duplicates: int = 0
    best: Program | None = None
    best_generated: Program | None = None                # the best program the model wrote (no seed)
    seeds: list[str] = field(default_factory=list)       # ids of the human seeds in this arm's pool
    history: list[float] = field(default_factory=list)   # best fitness after each generation (evolution)

    def offer(self, program: Program) -> None:
        """Keep ``program`` as the best model-written one if it is (ties keep the earlier)."""
        if not program.seed and (self.best_generated is None
                                 or program.fitness.value < self.best_generated.fitness.value):
            self.best_generated = program

    def as_json(self) -> dict:
        def view(b: Program | None) -> dict | None:
            return None if b is None else {"id": b.id, "generation": b.generation, "ast_hash": b.ast_hash,
                                           "path": b.path, "seed": b.seed, **b.fitness.as_json()}
        return {"calls": self.calls, "programs": self.programs, "duplicates": self.duplicates, "seeds": self.seeds,
                "history": [v if math.isfinite(v) else None for v in self.history],
                "best": view(self.best), "best_generated": view(self.best_generated)}


def _view(p: Program) -> dict:
    """A program as evolve.j2 shows it: numbers rounded, so a replayed run renders the same prompt."""
    return {"id": p.id, "code": program_code(p.code).strip(), "status": p.fitness.status,
            "fitness": _fmt(p.fitness.value),
            "levels": [{"level": f"{s.level:g}", "status": s.status,
                        "perplexity": None if s.perplexity is None else _fmt(s.perplexity)} for s in p.fitness.levels]}


def _fmt(x: float) -> str:
    return fmt_ppl(x) or "inf"   # NaN included: a prompt shows it as the worst fitness


def _seeds(ctx: EvolveContext, idea: Idea, db: ProgramsDatabase, arm: ArmResult) -> None:
    """Generation 0: the pipeline's one-pass programs of this idea and generator, else our own samples."""
    existing = [c for c in ctx.store.candidates(idea=idea.id, generator=ctx.generator, round=0)
                if c.extra.get("mode") not in EVOLUTION_MODES]
    if existing:
        for c in existing:
            arm.calls += 1
            if c.status != Status.OK.value or not c.path or not Path(c.path).is_file():
                continue
            code = program_code(Path(c.path).read_text(encoding="utf-8"))
            h = normalised_ast_hash(code)
            if db.duplicate_of(h):
                arm.duplicates += 1
                continue
            f = program_fitness(ctx, c.id, Path(c.path), h)
            _admit(db, arm, Program(c.id, code, h, f, 0, c.path))
            ctx.echo(f"  seed {c.id}: fitness {_fmt(f.value)} ({f.status})")
        return
    messages = render_messages(idea, "user")
    for k in range(ctx.cfg.generation.samples):
        cid = f"{idea.id}/{ctx.slug}/evolve-{ctx.model_tag}/g0-c{k}"
        reply = ask(ctx, idea, messages, k, ctx.folder(idea.id) / f"g0-c{k}", "user")
        _consider(ctx, db, arm, idea, cid, k, reply, mode=EVOLVE, generation=0, parent=None)


def human_seeds(ctx: EvolveContext) -> list[Program]:
    """The programs of ``evolution.seeds``, scored (once per setup: the fitness table remembers them)."""
    from .prompting import seed_path

    out = []
    for name in ctx.cfg.evolution.seeds:
        path = seed_path(name).resolve()
        code = path.read_text(encoding="utf-8")
        h, pid = normalised_ast_hash(code), f"seed:{name}"
        f = program_fitness(ctx, pid, path, h)
        ctx.store.put_candidate(CandidateRecord(
            id=pid, idea=SEED, generator=SEED_GENERATOR, sample=0, status=Status.OK.value,
            detail=f"human seed program {path.name}", path=str(path), round=0, parent=None,
            extra={"mode": SEED, "model": ctx.scorer.lm.info.spec, "ast_hash": h, "fitness_setup": ctx.setup,
                   "fitness": f.value if f.ok else None, "fitness_status": f.status,
                   "heldout": [asdict(s) for s in f.levels]}))
        ctx.echo(f"  human seed {pid}: fitness {_fmt(f.value)} ({f.status})")
        out.append(Program(pid, code, h, f, 0, str(path), seed=True))
    return out


def _add_seeds(db: ProgramsDatabase, arm: ArmResult, seeds: list[Program]) -> None:
    for p in seeds:
        if db.add(p):
            arm.seeds.append(p.id)


def evolve_idea(ctx: EvolveContext, idea: Idea, seeds: list[Program] = ()) -> ArmResult:
    """Seeds, then ``generations`` rounds of top-k prompting; returns the arm with its best and history."""
    evo = ctx.cfg.evolution
    db = ProgramsDatabase(evo.population)
    arm = ArmResult()
    _add_seeds(db, arm, list(seeds))
    _seeds(ctx, idea, db, arm)
    arm.history.append(db.best().fitness.value if db.best() else math.inf)
    for g in range(1, evo.generations + 1):
        parents = db.top(evo.top_k)
        messages = render_messages(idea, "evolve", programs=[_view(p) for p in parents],
                                   levels=[f"{lv:g}" for lv in ctx.levels], generation=g, generations=evo.generations)
        parent = parents[0].id if parents else None
        for c in range(evo.children_per_generation):
            # Unique per idea, so an unchanged population (same prompt) still gets a fresh sample, not a cache hit.
            k = (g - 1) * evo.children_per_generation + c
            cid = f"{idea.id}/{ctx.slug}/evolve-{ctx.model_tag}/g{g}-c{c}"
            reply = ask(ctx, idea, messages, k, ctx.folder(idea.id) / f"g{g}-c{c}", "evolve")
            _consider(ctx, db, arm, idea, cid, k, reply, mode=EVOLVE, generation=g, parent=parent)
        arm.history.append(db.best().fitness.value if db.best() else math.inf)
        ctx.echo(f"{idea.id}: generation {g}/{evo.generations}: best fitness {_fmt(arm.history[-1])}")
    arm.best = db.best()
    return arm


def best_of_n(ctx: EvolveContext, idea: Idea, n: int, seeds: list[Program] = ()) -> ArmResult:
    """``n`` independent one-pass samples (sample indices from BEST_OF_N_OFFSET) and ``seeds``; the best by fitness."""
    db = ProgramsDatabase(1)
    arm = ArmResult()
    _add_seeds(db, arm, list(seeds))
    messages = render_messages(idea, "user")
    for i in range(n):
        k = BEST_OF_N_OFFSET + i
        cid = f"{idea.id}/{ctx.slug}/best-of-n-{ctx.model_tag}/sample-{k}"
        reply = ask(ctx, idea, messages, k, ctx.folder(idea.id) / "best-of-n" / f"sample-{k}", "user")
        _consider(ctx, db, arm, idea, cid, k, reply, mode=BEST_OF_N, generation=0, parent=None)
    arm.best = db.best()
    arm.history.append(arm.best.fitness.value if arm.best else math.inf)
    return arm


def score_on_test(ctx: EvolveContext, program: Program, idea: Idea, role: str) -> None:
    """The reported numbers: ``program`` at the fitness levels on the test windows, as candidate jobs."""
    from .sweep import Sweep, SweepSettings, run_sweep

    pending = tuple(lv for lv in ctx.levels
                    if not ctx.store.has(ctx.scorer.key("candidate", program.id, lv, "unstructured")))
    if not pending:
        return
    sample = next((c.sample for c in ctx.store.candidates(id=program.id)), 0)
    who = {"idea": SEED, "generator": SEED_GENERATOR} if program.seed else {"idea": idea.id, "generator": ctx.generator}
    sweep = Sweep(kind="candidate", method=program.id, path=Path(program.path), pattern="unstructured",
                  levels=pending, uses_calibration=True, ids={**who, "sample": sample}, extra={"mode": role})
    run_sweep(sweep, SweepSettings.of(ctx.cfg), ctx.scorer, ctx.calibration, ctx.limits,
              lambda r: ctx.echo(f"  {role} {program.id} @ {r['sparsity']}: {r['status']} ppl {r['perplexity']}"))


def human_fitness(ctx: EvolveContext) -> dict[str, dict]:
    """Wanda and SparseGPT (when configured) on the same held-out windows: the fitness they would have."""
    from reference_pruners import USES_CALIBRATION, method_path

    out = {}
    for m in HUMAN_BASELINES:
        if m in ctx.cfg.references.methods:
            code = method_path(m).read_text(encoding="utf-8")   # hashed: an edited reference is scored again
            f = program_fitness(ctx, f"reference:{m}", method_path(m), normalised_ast_hash(code), m in USES_CALIBRATION)
            out[m] = f.as_json()
    return out


def evolve_model(ctx: EvolveContext, ideas: list[Idea]) -> list[dict]:
    """Evolution and best-of-N for every idea on one model; each summary is stored as it is finished."""
    evo = ctx.cfg.evolution
    humans = human_fitness(ctx)
    seeds = human_seeds(ctx)
    summaries = []
    for idea in ideas:
        ctx.echo(f"evolution: {idea.id} on {ctx.scorer.lm.info.spec} ({evo.generations} generations x "
                 f"{evo.children_per_generation} children, population {evo.population}, top {evo.top_k})")
        evolved = evolve_idea(ctx, idea, seeds)
        control = best_of_n(ctx, idea, evolved.calls, seeds) if evo.best_of_n else None
        for arm, role in ((evolved, "evolve-best"), (control, "best-of-n-best")):
            if arm is None:
                continue
            # The arm's best and, where that is a human seed, the best the model wrote (once if the same).
            scored = {p.id: p for p in (arm.best, arm.best_generated) if p is not None and p.fitness.ok}
            for program in scored.values():
                score_on_test(ctx, program, idea, role)
        summary = {"levels": list(ctx.levels), "heldout": ctx.heldout, "generations": evo.generations,
                   "seeds": [p.id for p in seeds],
                   "population": evo.population, "top_k": evo.top_k,
                   "children_per_generation": evo.children_per_generation,
                   "evolution": evolved.as_json(), "best_of_n": control.as_json() if control else None,
                   "humans": humans}
        ctx.store.put_evolution(idea.id, ctx.scorer.lm.info.spec, ctx.generator, ctx.setup, summary)
        summaries.append(summary)
    return summaries


def run_evolution(cfg, run_dir: Path, store: ResultsStore, scorer, calib, limits, echo=print) -> list[dict]:
    """The pipeline's hook: evolve every configured idea on the scorer's model (``cfg.evolution.enabled``)."""
    from .generate import generator_name, make_generator
    from .prompting import load_ideas, select_ideas

    evo = cfg.evolution
    g = cfg.generation.generators[evo.generator]
    provider, params = make_generator(g, run_dir)
    if evo.temperature is not None:
        params = params.replace(temperature=evo.temperature)
    if evo.max_tokens is not None:
        params = params.replace(max_tokens=evo.max_tokens)
    catalogue = load_ideas(cfg.generation.ideas_file)
    ideas = select_ideas(",".join(evo.ideas or cfg.generation.ideas), catalogue)
    windows, heldout = heldout_windows(scorer.lm.tokenizer, cfg.eval, evo)
    if heldout["source"] == "wikitext2:validation" and cfg.calibration.source == "wikitext2":
        # Offline, wikitext2 calibration reads the same validation file: the fitness has seen its text.
        log.warning("evolution: the held-out windows come from the calibration text (wikitext2 validation)")
        heldout["overlaps_calibration"] = True
    ctx = EvolveContext(cfg, run_dir, store, scorer, calib, windows, heldout, limits, provider,
                        params, generator_name(g), echo)
    return evolve_model(ctx, ideas)
