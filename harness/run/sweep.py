"""One sweep: one pruner file, human or machine-written, sandboxed over its levels, each level scored and stored.

The pipeline plans and runs many sweeps (``harness.run.pipeline``); evolution runs one per best program to
score it on the reported test windows (``harness.run.evolve``). Both go through :func:`run_sweep`, so an
evolved program's numbers are made exactly as a one-pass program's are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .config import ExperimentConfig
from harness.core.data import Calibration
from harness.core.models import file_sha256
from harness.core.program_identity import tensor_digests
from .scoring import Scorer, row


@dataclass(frozen=True, kw_only=True)
class Sweep:
    """One sandboxed job: one pruner file at the levels the store still lacks. Built by keyword: nine
    fields of which four are strings are too easy to swap by position."""
    kind: str                 # reference | candidate
    method: str               # reference method name, or candidate id
    path: Path
    pattern: str
    levels: tuple[float, ...]
    uses_calibration: bool
    ids: dict = field(default_factory=dict)      # idea / generator / sample columns for candidates
    extra: dict = field(default_factory=dict)   # added to each job's extra (evolution tags its best programs)
    sparsity_rule: str = "two-sided"             # reference_pruners.sparsity_rule of the method


@dataclass(frozen=True)
class SweepSettings:
    """What of a config a sweep uses: how the sandbox loads the model, which sandbox, and whether a failed
    level ends the sweep."""
    device: str
    dtype: str
    backend: str
    stop_on_error: bool

    @classmethod
    def of(cls, cfg: ExperimentConfig) -> "SweepSettings":
        return cls(device=cfg.model.device, dtype=cfg.model.dtype, backend=cfg.sandbox.backend,
                   stop_on_error=not cfg.scoring.retry_failed_levels)


def run_sweep(sweep: Sweep, settings: SweepSettings, scorer: Scorer, calibration: Calibration, limits,
              on_row: Callable[[dict], None], on_tensors=None) -> list[dict]:
    """Sandbox one sweep; score and store each level the moment the sandbox reports it (then again, whole).

    on_tensors: if given, called as ``on_tensors(level, tensors)`` with each level's validated prunable
    tensors (the very ones scored), e.g. to keep the pruned model (``prunegen export-model``)."""
    from sandbox.api import copy_prunable, run_candidate
    from sandbox.job import SandboxJob

    ids = calibration.ids if sweep.uses_calibration else calibration.ids[:0]
    job = SandboxJob(Path(scorer.lm.info.path), ids, sweep.levels, sweep.pattern, device=settings.device,
                     dtype=settings.dtype, stop_on_error=settings.stop_on_error, sparsity_rule=sweep.sparsity_rule)
    measured, digests = {}, {}

    def score(level, tensors):
        digests[level] = tensor_digests(tensors)   # what the level did: the report's test of "X in effect"
        if on_tensors is not None:
            on_tensors(level, tensors)
        with scorer.lock:
            copy_prunable(scorer.lm.model, tensors)
            try:
                measured[level] = scorer.measure()
            finally:
                scorer.restore()

    pruner_sha = file_sha256(sweep.path)   # the code that made the number

    def store(r, phases: dict):
        key = scorer.key(sweep.kind, sweep.method, r.level, sweep.pattern)
        with scorer.lock:
            return scorer.record(
                key, r.status, r.detail, prune_seconds=r.seconds, achieved=r.achieved_sparsity,
                calibration=calibration.describe if sweep.uses_calibration else None, peak_memory=r.peak_memory_bytes,
                artefacts={"pruner": str(sweep.path), "pruner_sha256": pruner_sha},
                measured=measured.get(r.level),
                extra={"stderr_tail": r.stderr_tail[-2000:] if not r.ok else "", "backend": r.backend,
                       "sandbox_threads": limits.threads, "sweep_sandbox_seconds": phases,
                       **digests.get(r.level, {}), **sweep.extra},
                **sweep.ids)

    phases: dict = {}
    # Each level is stored the moment it is scored, while the next runs: a harness (or Ray worker) that
    # dies mid-sweep loses no finished level. Once the sweep ends, each row is written again, whole: with
    # the run's log tail and the sweep's sandbox phases, which only the end knows.
    results = run_candidate(sweep.path, job, limits, backend=settings.backend, on_valid=score, timings=phases,
                            on_result=lambda r: store(r, {}))
    # The sweep's host-observed sandbox seconds (start, ready, run, ...), on each of its rows: where a run's time went.
    phases = {k: round(v, 3) for k, v in phases.items() if v is not None}
    out = []
    for r in results:
        out.append(row(store(r, phases)))
        on_row(out[-1])
    return out


def sandbox_limits(cfg: ExperimentConfig, gpu: int | None):
    from sandbox.limits import SandboxLimits

    gpus = None if gpu is None else str(gpu)
    return SandboxLimits(timeout_s=cfg.sandbox.timeout_s, memory=cfg.sandbox.memory, cpus=cfg.sandbox.cpus,
                         pids=cfg.sandbox.pids, gpus=gpus)
