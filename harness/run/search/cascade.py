"""The evaluator: a cascade, so that hundreds of candidates cost what a few full evaluations do.

Each stage is dearer than the one before, and a program goes on only while it is worth it:

1. **static** (microseconds): the code parses and defines ``score`` whose parameters are statistics
   of the skeleton or constants with a default.
2. **probe** (seconds): the program runs in the sandbox on a tiny random probe model; this catches
   crashes, NaN, wrong shapes and missed sparsity, and its masks there are the program's behaviour,
   by which the database de-duplicates before anything costs more.
3. **quick** (one sandbox run of the real model at one level, one held-out window): a program whose
   log-perplexity there is above the gate (the arm's best quick value plus a margin) stops here.
   Constants are tuned on this objective (:mod:`.tuning`) and baked in.
4. **full**: every fitness level on every held-out window; the fitness the database ranks by.

Every stage's outcome is stored in the run's ``fitness`` table under its own setup digest and keyed by
the code's normalised AST hash, so a rerun (or another arm meeting the same code) never pays twice.
The windows are validation (or held-out) windows: never the reported test windows.
"""

from __future__ import annotations

import ast
import hashlib
import json
import logging
import math
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from harness.run.evolve import Fitness, LevelScore, fitness_from_levels
from harness.run.forms import FORMS
from harness.run.store import FitnessRow
from harness.core.interface import Status
from harness.core.program_identity import KEPT_DIGEST, MASK_DIGEST, normalised_ast_hash, tensor_digests
from . import tuning

log = logging.getLogger("prunegen.search")

STAGES = ("static", "probe", "quick", "full")
FORM = FORMS["search"]
# How the skeleton computes the statistics score() receives: from the dense model once, or block by block
# from the partly pruned model (prompts/search_skeleton.py, _SEQUENTIAL).
STATISTICS_MODES = ("dense", "sequential")
_SEQUENTIAL_OFF = "\n_SEQUENTIAL = False\n"


def search_file(code: str, statistics: str = "dense") -> str:
    """A search-form candidate file: ``code`` then the skeleton, whose ``_SEQUENTIAL`` says ``statistics``.
    The switch is written into the file, so the file alone says how its program was run."""
    if statistics not in STATISTICS_MODES:
        raise ValueError(f"statistics {statistics!r} is not one of {', '.join(STATISTICS_MODES)}")
    text = FORM.assemble(code)
    if statistics == "dense":
        return text
    if text.count(_SEQUENTIAL_OFF) != 1:
        raise ValueError("prompts/search_skeleton.py must set _SEQUENTIAL = False exactly once")
    return text.replace(_SEQUENTIAL_OFF, "\n_SEQUENTIAL = True\n")


@dataclass(frozen=True)
class Evaluation:
    """Where a program got to in the cascade and what it measured there."""
    stage: str                      # the last stage it reached
    status: str                     # ok (passed every stage), or why it stopped: a sandbox status, gated, ...
    code: str                       # the program as ranked: tuned constants baked in
    detail: str = ""
    behaviour: str | None = None    # mask digest on the probe model (of ``code``)
    quick: float | None = None      # log-perplexity at the quick level on the first held-out window
    fitness: Fitness | None = None  # full fitness (mean log-perplexity over levels and windows)
    tuned: dict = field(default_factory=dict)
    sandbox_runs: int = 0           # runs this evaluation paid for (cache hits cost none)

    @property
    def ok(self) -> bool:
        return self.status == Status.OK.value and self.fitness is not None and self.fitness.ok


OPTIONAL = {"allocate": ("per-layer allocation", tuning.ALLOCATE_INPUTS),
            "update": ("weight update", tuning.UPDATE_INPUTS)}   # the skeleton's optional functions


def static_check(code: str, allocate: bool = False, update: bool = False) -> str | None:
    """Why ``code`` cannot be a search-form program, or None. ``allocate``, ``update``: whether this
    search offers the optional per-layer ``allocate`` and the optional ``update`` of the kept weights
    (a program that defines one where it is not offered is rejected: the skeleton would use it)."""
    try:
        tree = ast.parse(code)
    except SyntaxError as e:
        return f"does not parse: line {e.lineno}: {e.msg}"
    fn = tuning.top_function(tree, "score")
    if fn is None:
        return "defines no top-level function score"
    why = _signature_problem(fn, tuning.STATISTICS)
    if why:
        return why
    for name, offered in (("allocate", allocate), ("update", update)):
        what, inputs = OPTIONAL[name]
        opt = tuning.top_function(tree, name)
        if opt is None:
            continue
        if not offered:
            return f"defines {name}(), but this search offers no {what}"
        why = _signature_problem(opt, inputs)
        if why:
            return why
    return None


def _signature_problem(fn: ast.FunctionDef, inputs: tuple[str, ...]) -> str | None:
    a = fn.args
    if a.vararg or a.kwarg:
        return f"{fn.name}() takes *args/**kwargs: name the inputs it uses"
    positional = [*a.posonlyargs, *a.args]
    required = [p.arg for p in positional[: len(positional) - len(a.defaults)]]
    required += [p.arg for p, d in zip(a.kwonlyargs, a.kw_defaults) if d is None]
    unknown = [n for n in required if n not in inputs]
    if unknown:
        return f"{fn.name}() parameters {unknown} are neither statistics {list(inputs)} nor constants with a default"
    return None


@dataclass
class Cascade:
    """What the stages run against. ``scorer``: harness.run.scoring.Scorer of the real model (its lock, its
    dense weights); ``calib``: LongTensor [n, seqlen]; ``windows``: held-out LongTensor [w, seqlen]."""
    store: object                   # ResultsStore
    scorer: object
    calib: object
    windows: object
    levels: tuple[float, ...]
    limits: object                  # sandbox.limits.SandboxLimits
    probe_dir: Path                 # the probe model (harness.run.search.probe)
    probe_calib: object
    work_dir: Path                  # where candidate files are written
    backend: str = "docker"
    device: str = "cpu"
    dtype: str = "float32"
    quick_level: float | None = None        # default: the middle fitness level
    gate_margin: float = math.log(1.5)      # quick log-ppl allowed above the arm's best quick value
    tune_budget: int = 6                     # quick evaluations per program with constants (start included)
    tune_seed: int = 0
    allocate: bool = False                   # programs may define the per-layer allocate() (static check)
    update: bool = False                     # programs may define update() of the kept weights (static check)
    statistics: str = "dense"                # STATISTICS_MODES: how the skeleton computes the score's inputs
    setup: str = field(init=False)

    def __post_init__(self):
        if self.quick_level is None:
            self.quick_level = sorted(self.levels)[len(self.levels) // 2]
        payload = [self.scorer.setup_digest, _tensor_digest(self.windows), _tensor_digest(self.calib),
                   sorted(self.levels), self.quick_level, FORM.skeleton, hashlib.sha256(
                       self.assemble("").encode()).hexdigest()]
        self.setup = hashlib.sha256(json.dumps(payload).encode()).hexdigest()[:16]

    def assemble(self, code: str) -> str:
        """The candidate file: the model's code, then the skeleton set to this search's statistics."""
        return search_file(code, self.statistics)

    # ------------------------------------------------------------------------------------------ stages
    def _file(self, code: str) -> Path:
        text = self.assemble(code)   # named by the whole file: the statistics switch is in it
        path = self.work_dir / f"{hashlib.sha256(text.encode()).hexdigest()[:16]}.py"
        if not path.is_file():
            self.work_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return path

    def _cached(self, stage: str, code: str) -> FitnessRow | None:
        return self.store.fitness(f"{self.setup}:{stage}", ast_hash=normalised_ast_hash(code))

    def _put(self, stage: str, code: str, value: float | None, status: str, levels: list[dict]) -> None:
        h = normalised_ast_hash(code)
        self.store.put_fitness(f"{stage}:{h}", f"{self.setup}:{stage}", h, value, status, levels)

    def probe(self, code: str) -> tuple[str, str | None, str, bool]:
        """(status, behaviour digest, detail, ran) of ``code`` on the probe model at the quick level."""
        row = self._cached("probe", code)
        if row is not None:
            lv = (row.levels or [{}])[0]
            return row.status, lv.get("behaviour"), lv.get("detail", ""), False
        from sandbox.api import run_candidate
        from sandbox.job import SandboxJob

        digests: dict = {}
        job = SandboxJob(self.probe_dir, self.probe_calib, (self.quick_level,), "unstructured", stop_on_error=True)
        (r,) = run_candidate(self._file(code), job, self.limits, backend=self.backend,
                             on_valid=lambda level, tensors: digests.update(tensor_digests(tensors)))
        behaviour = _behaviour(code, digests) if r.ok else None
        detail = (r.detail or r.stderr_tail or "")[-300:]
        self._put("probe", code, 0.0 if r.ok else None, str(r.status),
                  [{"level": self.quick_level, "behaviour": behaviour, "detail": detail}])
        return str(r.status), behaviour, detail, True

    def _sandbox_fitness(self, code: str, levels: tuple[float, ...], windows) -> Fitness:
        from sandbox.api import load_validated, run_candidate
        from sandbox.job import SandboxJob

        from harness.core.perplexity import perplexity

        scorer = self.scorer
        job = SandboxJob(Path(scorer.lm.info.path), self.calib, levels, "unstructured", device=self.device,
                         dtype=self.dtype, stop_on_error=True)
        scores = []
        with tempfile.TemporaryDirectory(prefix="prunegen-search-") as keep:
            for r in run_candidate(self._file(code), job, self.limits, backend=self.backend, keep_dir=Path(keep)):
                ppl = None
                if r.ok:
                    with scorer.lock:
                        try:
                            load_validated(scorer.lm.model, r)
                            ppl = perplexity(scorer.lm.model, windows, batch_size=scorer.setup.batch_size,
                                             device=scorer.lm.info.device).perplexity
                        finally:
                            scorer.restore()
                scores.append(LevelScore(float(r.level), str(r.status), ppl, (r.detail or "")[:300]))
        return fitness_from_levels(scores)

    def quick(self, code: str) -> tuple[Fitness, bool]:
        row = self._cached("quick", code)
        if row is not None:
            return Fitness.from_row(row), False
        f = self._sandbox_fitness(code, (self.quick_level,), self.windows[:1])
        self._put("quick", code, f.value if f.ok else None, f.status, [asdict(s) for s in f.levels])
        return f, True

    def full(self, code: str) -> tuple[Fitness, bool]:
        row = self._cached("full", code)
        if row is not None:
            return Fitness.from_row(row), False
        f = self._sandbox_fitness(code, tuple(sorted(self.levels)), self.windows)
        self._put("full", code, f.value if f.ok else None, f.status, [asdict(s) for s in f.levels])
        return f, True

    # ------------------------------------------------------------------------------------------ the cascade
    def evaluate(self, code: str, *, gate: float | None = None, known=lambda behaviour: None) -> Evaluation:
        """Run ``code`` down the cascade. ``gate``: the quick log-perplexity above which it stops;
        ``known(behaviour)``: a program already in the database with that behaviour, or None."""
        why = static_check(code, self.allocate, self.update)
        if why:
            return Evaluation("static", "rejected", code, why)
        runs = 0
        status, behaviour, detail, ran = self.probe(code)
        runs += ran
        if status != Status.OK.value:
            return Evaluation("probe", status, code, detail, sandbox_runs=runs)
        if known(behaviour) is not None:
            return Evaluation("probe", "duplicate", code, f"behaves as {known(behaviour).id} on the probe model",
                              behaviour, sandbox_runs=runs)
        q, ran = self.quick(code)
        runs += ran
        if not q.ok:
            return Evaluation("quick", q.status, code, (q.levels[0].detail if q.levels else ""), behaviour,
                              sandbox_runs=runs)
        tuned: dict = {}
        start = tuning.constants(code)
        if start and self.tune_budget > 1:
            def objective(values: dict) -> float:
                nonlocal runs
                f, ran_ = self.quick(tuning.bake(code, values))
                runs += ran_
                return f.value
            t = tuning.tune(objective, start, self.tune_budget, self.tune_seed)
            if t.values != start and t.objective < q.value:
                tuned = {k: v for k, v in t.values.items() if v != start[k]}
                code = tuning.bake(code, t.values)
                q = self.quick(code)[0]
                status, behaviour, detail, ran = self.probe(code)
                runs += ran
                if status != Status.OK.value:   # cannot happen for a pure score; kept honest anyway
                    return Evaluation("probe", status, code, detail, sandbox_runs=runs, tuned=tuned)
        if gate is not None and q.value > gate:
            return Evaluation("quick", "gated", code, f"quick log-ppl {q.value:.4f} above the gate {gate:.4f}",
                              behaviour, q.value, tuned=tuned, sandbox_runs=runs)
        f, ran = self.full(code)
        runs += ran
        return Evaluation("full", f.status, code, "", behaviour, q.value, f, tuned, runs)


def _behaviour(code: str, digests: dict) -> str | None:
    """What a program did on the probe model: which weights it zeroed; with an ``update``, also the
    values it kept (two updates of one mask are two programs)."""
    if tuning.top_function(ast.parse(code), "update") is None:
        return digests.get(MASK_DIGEST)
    return hashlib.sha256(f"{digests.get(MASK_DIGEST)}:{digests.get(KEPT_DIGEST)}".encode()).hexdigest()


def _tensor_digest(t) -> str:
    import torch

    return hashlib.sha256(t.to(torch.long).contiguous().numpy().tobytes()).hexdigest()[:16]
