"""Everything a run needs, checked in seconds before the first model call.

A run that can only fail later (no Docker engine, no data, a model that does not resolve, a full
disk, a run folder it cannot write) should fail now, with every problem listed and how to fix it,
not after minutes of generation.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from .config import ExperimentConfig

MIN_FREE_GB = 5.0   # the sandbox writes each level's pruned tensors; a 135M model needs ~0.6 GB a level


class PreflightError(ValueError):
    """The run cannot start; the message lists every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("the run cannot start:\n" + "\n".join(f"  - {p}" for p in problems))


def _writable(folder: Path) -> str | None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".preflight-{uuid.uuid4().hex}"
        probe.write_text("ok")
        probe.unlink()
    except OSError as e:
        return f"run folder {folder} is not writable ({e.strerror or e}); set run.out or --out to another folder"
    return None


def _free_space(folder: Path, what: str) -> str | None:
    existing = next((p for p in [folder, *folder.parents] if p.exists()), None)
    if existing is None:
        return None
    free_gb = shutil.disk_usage(existing).free / 2**30
    if free_gb < MIN_FREE_GB:
        return f"only {free_gb:.1f} GiB free for the {what} ({existing}); a run needs at least {MIN_FREE_GB:.0f} GiB"
    return None


def _sandbox(cfg: ExperimentConfig) -> str | None:
    if cfg.sandbox.backend != "docker":
        return None
    from sandbox.image import DockerUnavailable, docker_client
    try:
        docker_client()
    except DockerUnavailable as e:
        return str(e)
    return None


def _data(cfg: ExperimentConfig) -> list[str]:
    from harness.core.data import DataError, calib_documents, eval_text

    problems = []
    for what, load in (("evaluation text", lambda: eval_text(cfg.eval.source)),
                       ("calibration text", lambda: calib_documents(cfg.calibration.source))):
        try:
            load()
        except DataError as e:
            problems.append(f"{what}: {e}")
        except Exception as e:  # noqa: BLE001 - e.g. no network for HF datasets: say which source
            problems.append(f"{what} ({type(e).__name__}): {e}; set PRUNEGEN_DATA_DIR to local copies")
    return problems


def _models(cfg: ExperimentConfig) -> list[str]:
    from harness.llm import local_engine
    from harness.core.models import ModelResolutionError, resolve

    problems = []
    specs = [("model pruned", s) for s in cfg.model.specs]
    specs += [(f"generator {g.model}", g.model) for g in cfg.generation.generators
              if g.provider == "local" and cfg.generation.ideas]
    for what, spec in specs:
        try:
            resolve(spec)
        except ModelResolutionError as e:
            problems.append(f"{what}: {e}")
    for g in cfg.generation.generators:
        if g.provider == "local" and cfg.generation.ideas:
            try:
                local_engine(g.model, g.engine)
            except ValueError as e:
                problems.append(f"generator {g.model}: {e}")
        if g.provider == "openai" and not os.environ.get(g.api_key_env):
            problems.append(f"generator {g.model}: no API key in ${g.api_key_env}")
    return problems


def _executor(cfg: ExperimentConfig) -> str | None:
    if cfg.run.executor != "ray":
        return None
    import importlib.util
    if importlib.util.find_spec("ray") is None:
        return "run.executor = 'ray' but Ray is not installed: pip install 'prunegen[ray]' (make setup installs it)"
    return None


def check(cfg: ExperimentConfig) -> list[str]:
    """Every problem that would stop ``cfg``'s run, cheapest checks first; empty when it can start."""
    from harness.core.models import cache_dir

    run_dir = Path(cfg.run.out)
    problems = [p for p in (_writable(run_dir), _free_space(run_dir, "run folder"),
                            _free_space(cache_dir(), "model cache"), _executor(cfg), _sandbox(cfg)) if p]
    return problems + _data(cfg) + _zero_shot(cfg) + _models(cfg)


def _zero_shot(cfg: ExperimentConfig) -> list[str]:
    """[eval] zero_shot: lm-eval installed, every task known and its data here (one line each)."""
    if not cfg.eval.zero_shot:
        return []
    from .zeroshot import missing_data
    return [f"eval.zero_shot: {p}" for p in missing_data(tuple(cfg.eval.zero_shot))]


def preflight(cfg: ExperimentConfig) -> None:
    problems = check(cfg)
    if problems:
        raise PreflightError(problems)
