"""Re-score a sample of a stored run's jobs and compare them number for number (``prunegen report --verify``).

A stored perplexity is only as good as the claim that the same config, code and machine make it
again. This re-runs a seeded sample of the run's ok jobs exactly as the run did (the pruner file in
the same sandbox, scored by a fresh harness model on the same windows) into a scratch store, and
compares the floats bit for bit. Where they differ, the fingerprints' recorded environment (code
hash, CPU, threads, library versions) says what changed between the two.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .config import ExperimentConfig
from harness.core.fingerprint import environment, library_versions
from harness.core.models import file_sha256
from .scoring import Session, session_of
from .folder import RunFolder
from .store import JobRow, ResultsStore
from .sweep import Sweep, SweepSettings, run_sweep, sandbox_limits


class VerifyError(ValueError):
    """The run cannot be checked against this config."""


@dataclass(frozen=True)
class Check:
    job: str                     # "reference wanda unstructured 0.5"
    stored_status: str
    status: str
    stored: float | None         # perplexity in the store
    rescored: float | None       # perplexity now
    changed: dict                # environment / version fields that differ: name -> (then, now)
    code_changed: bool           # the pruner file is not the one that made the stored number

    @property
    def identical(self) -> bool:
        return self.status == self.stored_status and self.stored == self.rescored   # bit for bit


def sample_jobs(rows: list[JobRow], n: int, seed: int) -> list[JobRow]:
    """The dense row (when stored) plus ``n`` ok pruned rows drawn with ``seed``, in store order."""
    dense = [r for r in rows if r.kind == "dense"]
    pruned = [r for r in rows if r.kind != "dense"]
    picked = sorted(random.Random(seed).sample(range(len(pruned)), min(n, len(pruned))))
    return dense[:1] + [pruned[i] for i in picked]


def fingerprint_differences(stored_fp: dict) -> dict:
    then = {**(stored_fp.get("versions") or {}), **(stored_fp.get("environment") or {})}
    now = {**library_versions(), **environment()}
    return {k: (then.get(k), now.get(k)) for k in sorted(set(then) | set(now)) if then.get(k) != now.get(k)}


def pruner_file(row: JobRow) -> tuple[Path, bool]:
    """(the pruner file to run again, whether it differs from the one that made the row)."""
    from reference_pruners import method_path
    art = row.artefacts
    path = method_path(row.method) if row.kind == "reference" else Path(art.get("pruner", ""))
    if not path.is_file():
        raise VerifyError(f"{row.method}: pruner file {path} is gone; cannot re-run it")
    stored_sha = art.get("pruner_sha256")
    return path, stored_sha is not None and stored_sha != file_sha256(path)


class Rerun:
    """A stored run opened to re-run its jobs exactly as the run did: the config's first model loaded once,
    a :class:`Scorer` on the same windows writing to a scratch store, the same calibration draw and
    sandbox limits. ``rows`` are the run's ok jobs of that model made with this config's evaluation and
    calibration setup. Shared by ``prunegen report --verify`` and ``prunegen export-model``."""

    def __init__(self, cfg: ExperimentConfig, session: Session, store: ResultsStore, rows: list[JobRow]):
        self.cfg, self.session, self.store, self.rows = cfg, session, store, rows
        self.lm, self.scorer = session.lm, session.scorer
        self.limits = sandbox_limits(cfg, None)

    @property
    def calib(self):
        return self.session.calib

    def job(self, r: JobRow, on_tensors=None) -> tuple[str, float | None, bool]:
        """Run stored job ``r`` again: (status, perplexity, whether its pruner file changed since).

        on_tensors(level, tensors): handed the validated pruned tensors that were scored (harness.run.sweep)."""
        if r.kind == "dense":
            self.scorer.restore()
            return "ok", self.scorer.measure()[0], False
        from reference_pruners import sparsity_rule
        path, code_changed = pruner_file(r)
        ids = {"idea": r.idea, "generator": r.generator, "sample": r.sample} if r.kind == "candidate" else {}
        sweep = Sweep(kind=r.kind, method=r.method, path=path, pattern=r.pattern, levels=(r.sparsity,),
                      uses_calibration=r.fingerprint.get("calibration") is not None, ids=ids,
                      sparsity_rule=sparsity_rule(r.method) if r.kind == "reference" else "two-sided")
        [out] = run_sweep(sweep, SweepSettings.of(self.cfg), self.scorer, self.calib, self.limits,
                          lambda *_: None, on_tensors=on_tensors)
        return out["status"], out["perplexity"], code_changed


@contextmanager
def open_rerun(run_dir: Path, cfg: ExperimentConfig) -> Iterator[Rerun]:
    """A :class:`Rerun` of ``run_dir`` under ``cfg`` (the run's own config); raises VerifyError when the
    run has no store, or no ok job of the config's first model was made with this config's setup."""
    store_path = RunFolder(run_dir).store
    if not store_path.is_file():
        raise VerifyError(f"{store_path}: no results store")
    spec = cfg.model.specs[0]
    with tempfile.TemporaryDirectory(prefix="prunegen-verify-") as tmp, \
            ResultsStore(store_path) as store, ResultsStore(Path(tmp) / "verify.sqlite") as scratch:
        session = session_of(cfg, spec, scratch)
        scorer = session.scorer
        mine = [r for r in store.rows(model=spec, status="ok")
                if r.key == scorer.key(r.kind, r.method, r.sparsity, r.pattern).digest]
        if not mine:
            raise VerifyError(f"no ok job of {spec} in {store_path} has this config's evaluation and calibration "
                              "setup: verify with the config the run was made with")
        yield Rerun(cfg, session, store, mine)


def verify_run(run_dir: Path, cfg: ExperimentConfig, *, sample: int = 3, seed: int = 0, echo=print) -> list[Check]:
    """Re-score the dense row and ``sample`` ok jobs of the first model of ``cfg``; returns one Check each."""
    checks = []
    with open_rerun(run_dir, cfg) as rerun:
        for r in sample_jobs(rerun.rows, sample, seed):
            job = f"{r.kind} {r.method} {r.pattern} {r.sparsity:g}"
            status, ppl, code_changed = rerun.job(r)
            check = Check(job, r.status, status, r.perplexity, ppl, fingerprint_differences(r.fingerprint),
                          code_changed)
            echo(format_check(check))
            checks.append(check)
    return checks


def format_check(c: Check) -> str:
    verdict = "identical" if c.identical else "DIFFERS"
    line = f"{verdict:>9}  {c.job:<60} stored {c.stored!r:<22} now {c.rescored!r}"
    if not c.identical and c.stored and c.rescored:
        line += f"  ({c.rescored / c.stored - 1:+.3e} relative)"
    if c.code_changed:
        line += "  [the pruner file changed since]"
    if c.changed and not c.identical:
        line += "  [changed: " + ", ".join(f"{k} {a} -> {b}" for k, a, b in
                                            ((k, *v) for k, v in c.changed.items())) + "]"
    return line
