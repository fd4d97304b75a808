"""The loop: islands of score programs improved by an LLM, judged by the cascade on held-out windows.

Per arm (``[search] arms``):

* **discovery**: the islands start from |W| alone (``prompts/search_seeds/magnitude.py``) and no prompt
  names a human metric (a test renders them and checks);
* **sota**: the islands start from the human scores (activation-weighted magnitude, relative
  importance, second-order saliency), to improve the state of the art.

Each LLM call: pick an island (round robin), show its ``top_k`` programs with their fitness
(:mod:`.sampler`), take the child (a rewrite or SEARCH/REPLACE edits), run it down the cascade
(:mod:`.cascade`: static, probe, quick with constants tuned, full), and add it to that island unless it
behaves as a known program (:mod:`.database`). Every ``reset_every`` calls the weaker half of the islands
restarts from a survivor's best. The **best-of-N** control spends as many calls on independent one-pass
samples of the same system prompt, pooled with the discovery seeds.

Resuming is replay: the LLM replies come from the run's response cache (same messages, same sample
index), every cascade stage from the store's ``fitness`` table, and the islands' RNG is seeded, so a
rerun after a kill walks the same path in seconds and goes on where the first one stopped.

The finalists (each arm's best program the model wrote, and the control's) are then scored on the
reported test windows as ordinary candidate jobs; selection never sees a test window.
"""

from __future__ import annotations

import json
import logging
import math
from collections import deque
from dataclasses import asdict, dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Callable

from harness.run.forms import FORMS
from harness.core.interface import Status
from harness.llm.base import GenerationError
from harness.llm.replay import record_turn
from harness.run.store import SEARCH, SEARCH_BEST_OF_N, SEARCH_SEED, CandidateRecord
from .cascade import Cascade, Evaluation
from .database import Program, ProgramsDatabase
from .sampler import SEARCH_IDEA, child_code, messages_for, one_pass_messages, rejection_reason

log = logging.getLogger("prunegen.search")

ARM_SEEDS = {"discovery": ("magnitude",), "sota": ("act_weighted", "relative_importance", "second_order")}
# Where the search offers the per-layer allocate() (``[search] allocate``), the sota arm also starts from a
# human allocation: more sparsity where a layer's scores have fewer outliers (OWL's idea, per layer).
ALLOCATE_SEEDS = {"discovery": (), "sota": ("act_weighted_outlier_layers",)}
# Where it offers update() of the kept weights (``[search] update``), the sota arm also starts from the
# human second-order update: each pruned weight's error spread over the weights not yet visited.
UPDATE_SEEDS = {"discovery": (), "sota": ("second_order_update",)}
BEST_OF_N_OFFSET = 1000
FORM = FORMS["search"]


def arm_seeds(arm: str, allocate: bool = False, update: bool = False) -> tuple[str, ...]:
    return ARM_SEEDS[arm] + (ALLOCATE_SEEDS[arm] if allocate else ()) + (UPDATE_SEEDS[arm] if update else ())


def seed_code(name: str) -> str:
    return files("prompts").joinpath("search_seeds", f"{name}.py").read_text(encoding="utf-8")


@dataclass
class ArmResult:
    arm: str
    calls: int = 0
    outcomes: dict = field(default_factory=dict)        # evaluation status -> count
    curve: list = field(default_factory=list)           # [calls, best fitness of any program, best model-written]
    best: Program | None = None
    best_generated: Program | None = None
    resets: int = 0

    def count(self, status: str) -> None:
        self.outcomes[status] = self.outcomes.get(status, 0) + 1

    def offer(self, p: Program) -> None:
        if not p.seed and (self.best_generated is None or p.fitness < self.best_generated.fitness):
            self.best_generated = p
        if self.best is None or p.fitness < self.best.fitness:
            self.best = p

    def point(self) -> None:
        g = self.best_generated.fitness if self.best_generated else math.inf
        b = self.best.fitness if self.best else math.inf
        self.curve.append([self.calls, _finite(b), _finite(g)])

    def as_json(self) -> dict:
        def view(p):
            return None if p is None else {"id": p.id, "fitness": p.fitness, "levels": p.levels, "tuned": dict(p.tuned),
                                           "seed": p.seed, "calls": p.calls, "code": p.code}
        return {"arm": self.arm, "calls": self.calls, "outcomes": self.outcomes, "resets": self.resets,
                "curve": self.curve, "best": view(self.best), "best_generated": view(self.best_generated)}


def _finite(x: float):
    return x if math.isfinite(x) else None


@dataclass
class Search:
    """One model's search: the cascade, the LLM and where things are written."""
    cascade: Cascade
    store: object
    provider: object                    # CachedProvider
    params: object                      # GenerationParams
    generator: str                      # provider:model+search
    run_dir: Path
    model: str                          # the pruned model's spec
    islands: int = 2
    capacity: int = 6
    top_k: int = 2
    reset_every: int = 10
    edit: str = "rewrite"
    seed: int = 0
    echo: Callable = print
    focus: tuple[str, ...] = ()         # inputs asked for in turn, one per call (sampler.FOCUS_INPUTS)
    allocate: bool = False              # the prompts offer the per-layer allocate() (prompts/search_skeleton.py)
    update: bool = False                # the prompts offer update() of the kept weights (the same)

    @property
    def levels(self) -> tuple[float, ...]:
        return tuple(sorted(self.cascade.levels))

    def _program(self, pid: str, ev: Evaluation, *, seed: bool, calls: int) -> Program:
        levels = tuple((s.level, s.perplexity) for s in ev.fitness.levels)
        # Mean over windows is inside each level's perplexity already; one entry per level.
        return Program(pid, ev.code, ev.fitness.value, ev.behaviour, levels, tuple(sorted(ev.tuned.items())),
                       seed, calls)

    def _record(self, pid: str, *, idea: str, sample: int, status: str, detail: str, path: Path | None,
                mode: str, arm: str, parent: str | None, ev: Evaluation | None, completion=None, **extra) -> None:
        e = {"mode": mode, "arm": arm, "model": self.model, "fitness_setup": self.cascade.setup, **extra}
        if ev is not None:
            e.update(stage=ev.stage, evaluation=ev.status, evaluation_detail=ev.detail[:300], behaviour=ev.behaviour,
                     quick=ev.quick, tuned=ev.tuned, sandbox_runs=ev.sandbox_runs,
                     fitness=ev.fitness.value if ev.fitness is not None and ev.fitness.ok else None,
                     heldout=[asdict(s) for s in ev.fitness.levels] if ev.fitness is not None else None)
        u = getattr(completion, "usage", None)
        if completion is not None:   # a reply from the response cache cost no LLM time (bench/search_throughput.py)
            e["cached"] = bool(getattr(completion, "cached", False))
        self.store.put_candidate(CandidateRecord(
            id=pid, idea=idea, generator=self.generator if mode != SEARCH_SEED else "human", sample=sample,
            status=status, detail=detail, path=str(path) if path else None, round=sample, parent=parent,
            prompt_tokens=getattr(u, "prompt_tokens", None), completion_tokens=getattr(u, "completion_tokens", None),
            cost_usd=getattr(completion, "cost_usd", None), latency_s=getattr(completion, "latency_s", None), extra=e))

    def _write(self, path: Path, code: str, header: str) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(header + self.cascade.assemble(code), encoding="utf-8")
        return path

    def _ask(self, messages, sample: int, purpose_idea: str, pid: str):
        """One LLM call, recorded in the run's cassette unless a run before this one recorded it (a replay
        after a kill); (completion, None) or (None, error text)."""
        from harness.run.generate import run_cassette

        try:
            completion = self.provider.complete(messages, self.params, sample)
        except GenerationError as e:
            return None, str(e)
        if not self.store.has_candidate(pid):
            record_turn(run_cassette(self.run_dir), purpose="search", provider=self.provider, messages=messages,
                        params=self.params, sample_index=sample, idea=purpose_idea, completion=completion)
        return completion, None

    def _header(self, messages, completion, sample: int, template: str, status: str, detail: str) -> str:
        from harness.run.generate import utc_now, provenance_header
        from harness.llm.keys import prompt_hash

        return provenance_header(idea=SEARCH_IDEA, model=completion.model, provider=self.provider.kind,
                                 phash=prompt_hash(messages), template=template, date=utc_now(),
                                 params=self.params.key_fields(), sample=sample, status=status, detail=detail)

    def _judge(self, completion, messages, sample: int, parent: Program | None, edit: str, out: Path,
               template: str, known, gate: float | None = None):
        """The child a reply holds, run down the cascade and written to ``out``: (child, evaluation, path),
        the last two None when the reply held no program to run."""
        child = child_code(completion.text, parent, edit)
        if child.code is None or child.status != Status.OK.value:
            return child, None, None
        ev = self.cascade.evaluate(child.code, gate=gate, known=known)
        header = self._header(messages, completion, sample, template, child.status, child.detail)
        return child, ev, self._write(out, ev.code, header)

    # ------------------------------------------------------------------------------------------ seeds
    def seeds(self, arm: str, names: tuple[str, ...], db: ProgramsDatabase, result: ArmResult) -> float:
        """Evaluate and insert the arm's human seeds into every island; returns the best quick value."""
        best_quick = math.inf
        for name in names:
            code = seed_code(name)
            ev = self.cascade.evaluate(code)
            pid = f"search-seed:{name}"
            path = self._write(self.run_dir / "search" / "seeds" / f"{name}.py", code, "")
            self._record(pid, idea="search-seed", sample=0, status=Status.OK.value, detail=f"human search seed {name}",
                         path=path, mode=SEARCH_SEED, arm=arm, parent=None, ev=ev)
            self.echo(f"  seed {name}: {ev.status} fitness {_fmt(ev.fitness.value if ev.fitness else math.inf)}")
            if ev.ok:
                p = self._program(pid, ev, seed=True, calls=0)
                db.add(p)
                result.offer(p)
                best_quick = min(best_quick, ev.quick)
        return best_quick

    # ------------------------------------------------------------------------------------------ one arm
    def arm(self, arm: str, calls: int, gate_margin: float) -> ArmResult:
        if arm not in ARM_SEEDS:
            raise ValueError(f"search arm {arm!r} is not one of {', '.join(ARM_SEEDS)}")
        db = ProgramsDatabase(self.islands, self.capacity, self.seed)
        result = ArmResult(arm)
        best_quick = self.seeds(arm, arm_seeds(arm, self.allocate, self.update), db, result)
        if db.best() is None:
            raise RuntimeError(f"search arm {arm}: no seed program passed the cascade; nothing to show the model")
        result.point()
        slug = _slug(self.provider.model)
        rejected = {i: deque(maxlen=2) for i in range(self.islands)}   # shown back, so they are not repeated
        for call in range(calls):
            island = call % self.islands
            shown = db.top(island, self.top_k) or db.top(0, self.top_k)
            focus = self.focus[call % len(self.focus)] if self.focus else None
            messages = messages_for(shown, self.levels, self.edit, rejected=list(rejected[island]), focus=focus,
                                    allocate=self.allocate, update=self.update)
            pid = f"search-{arm}/{slug}/c{call}"
            completion, error = self._ask(messages, call, f"search-{arm}", pid)
            result.calls += 1
            if completion is None:
                self._record(pid, idea=f"search-{arm}", sample=call, status=Status.GENERATION_ERROR.value,
                             detail=error[:300], path=None, mode=SEARCH, arm=arm, parent=shown[0].id, ev=None,
                             island=island)
                result.count(Status.GENERATION_ERROR.value)
                result.point()
                continue
            child, ev, path = self._judge(completion, messages, call, shown[0], self.edit,
                                          self.run_dir / "search" / arm / f"c{call}.py", "search_evolve",
                                          db.same_behaviour, gate=best_quick + gate_margin)
            result.count(child.status if ev is None else ev.status)
            if ev is not None:
                if ev.ok:
                    p = self._program(pid, ev, seed=False, calls=result.calls)
                    known = db.add(p, island)
                    if known is None:
                        result.offer(p)
                        best_quick = min(best_quick, ev.quick)
                    else:
                        result.count("duplicate-after-tuning")
                        rejected[island].append((child.code, rejection_reason("duplicate", "", shown, known.id)))
                else:
                    known = db.same_behaviour(ev.behaviour) if ev.status == "duplicate" else None
                    rejected[island].append((child.code, rejection_reason(ev.status, ev.detail, shown,
                                                                          known.id if known else None)))
            self._record(pid, idea=f"search-{arm}", sample=call, status=child.status, detail=child.detail[:300],
                         path=path, mode=SEARCH, arm=arm, parent=shown[0].id, ev=ev, completion=completion,
                         island=island, shown=[p.id for p in shown], edit=self.edit, focus=focus)
            self.echo(f"  {pid} (island {island}): {child.status if ev is None else ev.status}"
                      f"{'' if ev is None or ev.fitness is None else ' fitness ' + _fmt(ev.fitness.value)}"
                      f"{' tuned ' + json.dumps(ev.tuned) if ev is not None and ev.tuned else ''}")
            if self.reset_every and (call + 1) % self.reset_every == 0 and call + 1 < calls:
                reset = db.reset_weakest()
                for i in reset:
                    rejected[i].clear()
                result.resets += 1
                self.echo(f"  islands {reset} reset from the survivors' best")
            result.point()
        return result

    # ------------------------------------------------------------------------------------------ control
    def best_of_n(self, calls: int) -> ArmResult:
        """``calls`` independent one-pass samples, pooled with the discovery seeds; the best by fitness."""
        db = ProgramsDatabase(1, 1, self.seed)
        result = ArmResult("best-of-n")
        self.seeds("best-of-n", arm_seeds("discovery", self.allocate, self.update), db, result)
        result.point()
        messages = one_pass_messages(allocate=self.allocate, update=self.update)
        slug = _slug(self.provider.model)
        for i in range(calls):
            sample = BEST_OF_N_OFFSET + i
            pid = f"search-best-of-n/{slug}/sample-{sample}"
            completion, error = self._ask(messages, sample, "search-best-of-n", pid)
            result.calls += 1
            if completion is None:
                self._record(pid, idea="search-best-of-n", sample=sample, status=Status.GENERATION_ERROR.value,
                             detail=error[:300], path=None, mode=SEARCH_BEST_OF_N, arm="best-of-n", parent=None, ev=None)
                result.count(Status.GENERATION_ERROR.value)
                result.point()
                continue
            child, ev, path = self._judge(completion, messages, sample, None, "rewrite",
                                          self.run_dir / "search" / "best-of-n" / f"sample-{sample}.py", "search_user",
                                          db.same_behaviour)
            result.count(child.status if ev is None else ev.status)
            if ev is not None and ev.ok:
                p = self._program(pid, ev, seed=False, calls=result.calls)
                if db.add(p, 0) is None:
                    result.offer(p)
            self._record(pid, idea="search-best-of-n", sample=sample, status=child.status, detail=child.detail[:300],
                         path=path, mode=SEARCH_BEST_OF_N, arm="best-of-n", parent=None, ev=ev, completion=completion)
            self.echo(f"  {pid}: {child.status if ev is None else ev.status}"
                      f"{'' if ev is None or ev.fitness is None else ' fitness ' + _fmt(ev.fitness.value)}")
            result.point()
        return result


def _fmt(x: float) -> str:
    return f"{x:.4f}" if math.isfinite(x) else "inf"


def _slug(model: str) -> str:
    from harness.run.generate import model_slug
    return model_slug(model)


# ---------------------------------------------------------------------------------------------- entry

def run_search(cfg, run_dir: Path, store, scorer, calib, limits, echo=print, generator=None) -> dict:
    """The pipeline's hook (``[search] enabled``): every arm, the control, the finalists on test.

    ``generator``: the (provider, params) the preflight checked (or fell back to); None makes it here."""
    from harness.run.evolve import heldout_windows
    from harness.run.generate import make_generator
    from .probe import probe_model

    s = cfg.search
    g = cfg.generation.generators[s.generator]
    provider, params = generator or make_generator(g, run_dir)
    if s.temperature is not None:
        params = params.replace(temperature=s.temperature)
    if s.max_tokens is not None:
        params = params.replace(max_tokens=s.max_tokens)
    windows, heldout = heldout_windows(scorer.lm.tokenizer, cfg.eval, s)
    probe_dir, probe_calib = probe_model(run_dir / "search" / "probe-model", s.seed)
    cascade = Cascade(store, scorer, calib.ids, windows, tuple(s.fitness_levels), limits, probe_dir, probe_calib,
                      run_dir / "search" / "evaluated", backend=cfg.sandbox.backend, device=cfg.model.device,
                      dtype=cfg.model.dtype, quick_level=s.quick_level, gate_margin=s.gate_margin,
                      tune_budget=s.tune_budget, tune_seed=s.seed, allocate=s.allocate,
                      update=s.update, statistics=s.statistics)
    search = Search(cascade, store, provider, params, FORM.generator_name(g.provider, g.model), run_dir,
                    scorer.lm.info.spec, s.islands, s.capacity, s.top_k, s.reset_every, s.edit, s.seed, echo, s.focus,
                    s.allocate, s.update)
    arms = {}
    for arm in s.arms:
        echo(f"search ({arm}): {s.calls} calls, {s.islands} islands, top {s.top_k}, edit {s.edit}, "
             f"{'per-layer allocation offered, ' if s.allocate else ''}"
             f"{'weight update offered, ' if s.update else ''}"
             f"{'block-sequential statistics, ' if s.statistics == 'sequential' else ''}"
             f"fitness at {', '.join(f'{lv:g}' for lv in search.levels)} on {windows.shape[0]} held-out windows")
        arms[arm] = search.arm(arm, s.calls, s.gate_margin)
    control = None
    if s.best_of_n:
        echo(f"search (best-of-n control): {s.calls} calls")
        control = search.best_of_n(s.calls)
    finalists = {}
    for name, r in [*arms.items(), *([("best-of-n", control)] if control else [])]:
        if r.best_generated is not None:
            finalists[name] = r.best_generated.id
            _score_on_test(cfg, store, scorer, calib, limits, r.best_generated.id, echo)
    summary = {"heldout": heldout, "levels": list(search.levels), "setup": cascade.setup,
               "arms": {k: v.as_json() for k, v in arms.items()}, "best_of_n": control.as_json() if control else None,
               "finalists": finalists}
    # The report's Table 12 and Figure 6 read it from the store (evolution's table, kind "search").
    store.put_evolution("search", scorer.lm.info.spec, search.generator, cascade.setup, {"kind": "search", **summary})
    out = run_dir / "search" / "summary.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=1, default=str))
    echo(f"search summary: {out}")
    return summary


def search_failures(summary: dict) -> list[str]:
    """Sentences for arms (and the control) whose every LLM call failed: the run then fails, loudly."""
    out = []
    for name, arm in [*summary["arms"].items(), ("best-of-N", summary.get("best_of_n"))]:
        if arm and arm["calls"] and arm["outcomes"].get(Status.GENERATION_ERROR.value, 0) == arm["calls"]:
            out.append(f"Search arm {name}: every one of its {arm['calls']} LLM calls failed; no program was "
                       "written (see the candidates' details).")
    return out


def _score_on_test(cfg, store, scorer, calib, limits, pid: str, echo) -> None:
    """A finalist on the reported test windows at the fitness levels, as an ordinary candidate job."""
    from harness.run.sweep import Sweep, SweepSettings, run_sweep

    (c,) = store.candidates(id=pid)
    levels = tuple(sorted(cfg.search.fitness_levels))
    pending = tuple(lv for lv in levels if not store.has(scorer.key("candidate", pid, lv, "unstructured")))
    if not pending:
        return
    sweep = Sweep(kind="candidate", method=pid, path=Path(c.path), pattern="unstructured", levels=pending,
                  uses_calibration=True, ids={"idea": c.idea, "generator": c.generator, "sample": c.sample},
                  extra={"mode": "search-finalist"})
    run_sweep(sweep, SweepSettings.of(cfg), scorer, calib, limits,
              lambda r: echo(f"  finalist {pid} @ {r['sparsity']}: {r['status']} ppl {r['perplexity']}"))
