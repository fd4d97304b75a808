"""The one entry point other code calls: run a candidate file in the sandbox, get a result per level.

    results = run_candidate("cand.py", SandboxJob(model_dir, calib_ids, (0.5, 0.6)), SandboxLimits(),
                            backend="docker", keep_dir=Path("runs/x"))
    load_validated(lm.model, results[0])   # then score lm with harness.core.evaluate

The key guarantee: a score is computed, outside the sandbox, from the harness's own dense weights
with only the validated prunable tensors copied in (see sandbox/collect.py for the threat model).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Callable

import torch

from harness.core.interface import Status

from . import collect, weights
from .job import LevelResult, SandboxJob
from .limits import SandboxLimits, default_tmp_root

BACKENDS = ("docker", "process")
MiB = 1 << 20


def _prepare_input(in_dir: Path, candidate: Path, job: SandboxJob, limits: SandboxLimits) -> None:
    from safetensors.torch import save_file

    in_dir.mkdir()
    shutil.copyfile(candidate, in_dir / "candidate.py")
    ids = torch.as_tensor(job.calib, dtype=torch.long).contiguous()
    save_file({"ids": ids}, str(in_dir / "calib.safetensors"))
    (in_dir / "job.json").write_text(json.dumps({
        "levels": list(job.levels), "pattern": job.pattern, "seed": job.seed, "device": job.device,
        "dtype": job.dtype, "threads": limits.threads,
        "stop_on_error": job.stop_on_error}))
    for p in (in_dir, *in_dir.iterdir()):  # readable by the container's non-root user; nobody writes
        os.chmod(p, 0o555 if p.is_dir() else 0o444)


def _writable_by_sandbox(out_dir: Path) -> None:
    """The output folder belongs to the sandbox user when we can chown, else it is world-writable."""
    from .image import SANDBOX_UID
    out_dir.mkdir()
    if os.geteuid() == 0:
        os.chown(out_dir, SANDBOX_UID, SANDBOX_UID)
        os.chmod(out_dir, 0o700)
    else:
        os.chmod(out_dir, 0o777)


def run_candidate(candidate: str | Path, job: SandboxJob, limits: SandboxLimits = SandboxLimits(),
                  backend: str = "docker", *, keep_dir: Path | None = None,
                  tmp_root: str | Path | None = None, timings: dict | None = None,
                  on_valid: Callable[[float, dict[str, torch.Tensor]], None] | None = None,
                  on_result: Callable[[LevelResult], None] | None = None) -> list[LevelResult]:
    """Run ``candidate`` (a Python file) for every level of ``job``; one trusted LevelResult per level.

    keep_dir: where validated prunable tensors are re-written by the host (``LevelResult.weights_path``);
    None keeps nothing. Every temporary file is under ``tmp_root`` (default ``PRUNEGEN_SANDBOX_TMP`` or
    <tmp>/prunegen-sandbox) and removed before this returns, whatever the candidate did.
    on_valid: called as ``on_valid(level, tensors)`` with each level's prunable tensors right after they
    pass validation, so a caller can score them without writing and re-reading 4 bytes a weight.
    on_result: if given, each level is collected (validated, ``on_valid`` called) the moment the runner
    reports it, while the next level runs, and handed to ``on_result``; so a caller can store it before the
    sweep ends, and a harness that dies mid-sweep loses no finished level. Its ``stderr_tail`` is then
    only the runner's traceback; the returned list has the run's log tail too. Without it, every level is
    collected once the run has ended.
    timings: if given, filled with host-observed seconds per phase (prepare, image, start, ready, run,
    teardown, collect), for bench/sandbox.py.
    Raises ``sandbox.image.DockerUnavailable`` when the docker backend is asked for and no engine answers.
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    if not job.levels:
        raise ValueError("a job needs at least one sparsity level")
    import time
    t0 = time.perf_counter()
    candidate = Path(candidate)
    model_dir = Path(job.model_dir)
    names = weights.prunable_names(model_dir)
    dense = weights.dense_tensors(model_dir, names, getattr(torch, job.dtype))
    if limits.output_cap_bytes is None:
        limits = replace(limits, output_cap_bytes=weights.expected_bytes(dense) + MiB)
    root = Path(tmp_root or default_tmp_root())
    root.mkdir(parents=True, exist_ok=True)
    _reap_stale_job_dirs(root)
    job_dir = Path(tempfile.mkdtemp(prefix=f"job-{os.getpid()}-", dir=root))
    try:
        in_dir, out_dir = job_dir / "in", job_dir / "out"
        _prepare_input(in_dir, candidate, job, limits)
        if backend == "docker":
            _writable_by_sandbox(out_dir)
        else:  # the subprocess runs as us
            out_dir.mkdir(mode=0o700)
        t_prep = time.perf_counter() - t0
        early: dict[int, LevelResult] = {}
        labelled = _label(backend)

        def on_level(i: int, seconds: float | None, elapsed: float) -> None:
            r = collect.collect_level(out_dir, job, i, seconds, elapsed, "", dense, names, limits.output_cap_bytes,
                                      keep_dir=keep_dir, backend=backend, on_valid=on_valid)
            if r is not None:
                early[i] = labelled(r)
                on_result(early[i])

        streaming = on_level if on_result is not None else None
        if backend == "docker":
            from . import docker_backend
            from harness.core.models import cache_dir
            files = weights.readable_files(model_dir, cache_dir() / "sandbox-readable")
            outcome = docker_backend.execute(in_dir, out_dir, files, len(job.levels), limits, streaming)
        else:
            from . import process_backend
            outcome = process_backend.execute(in_dir, out_dir, model_dir, len(job.levels), limits, streaming)
        t = time.perf_counter()
        results = collect.collect(out_dir, job, outcome, dense, names, limits.output_cap_bytes,
                                  keep_dir=keep_dir, backend=backend, on_valid=on_valid, early=early)
        if timings is not None:
            timings.update(prepare=t_prep, **outcome.phases, collect=time.perf_counter() - t)
        return [r if i in early else labelled(r) for i, r in enumerate(results)]
    finally:
        _remove_tree(job_dir)


def _label(backend: str) -> Callable[[LevelResult], LevelResult]:
    """What each level's detail says of its sandbox: the process backend's weaker isolation, always."""
    if backend != "process":
        return lambda r: r
    from .process_backend import warning
    return lambda r: replace(r, detail=f"{r.detail} [{warning()}]")


def _reap_stale_job_dirs(root: Path) -> None:
    """Remove job folders left by a harness process that was killed (their names carry its pid).

    Several harness processes may share ``root`` (Ray workers on one node) and reap the same stale
    folder at once, so a folder that vanishes under us is already reaped, not an error.
    """
    from .docker_backend import pid_alive
    for d in root.glob("job-*-*"):
        pid = d.name.split("-")[1]
        if pid.isdigit() and not pid_alive(int(pid)):
            _remove_tree(d)


def _remove_tree(path: Path) -> None:
    """Remove a job folder, first making read-only dirs in it (our input, the candidate's own) writable."""
    def fix(func, p, exc_info):
        if isinstance(exc_info[1], FileNotFoundError):
            return  # removed by someone else meanwhile (another worker reaping the same stale folder)
        try:
            os.chmod(os.path.dirname(p), 0o700)
        except OSError:
            pass
        try:
            func(p)
        except FileNotFoundError:
            pass
    for d, _, _ in os.walk(path):
        try:
            os.chmod(d, 0o700)
        except OSError:  # a folder of the sandbox user when we are not root: rmtree says so below
            pass
    shutil.rmtree(path, onerror=fix)


def load_validated(model: torch.nn.Module, result: LevelResult) -> None:
    """Copy a validated level's prunable tensors into the harness's own dense ``model``, in place.

    Refuses results that did not pass validation; see :func:`copy_prunable` for what is accepted.
    """
    from safetensors.torch import load_file

    if result.status is not Status.OK or result.weights_path is None:
        raise ValueError(f"level {result.level}: only validated results can be scored "
                         f"(status {result.status}, weights kept: {result.weights_path is not None})")
    copy_prunable(model, load_file(str(result.weights_path)), str(result.weights_path))


def copy_prunable(model: torch.nn.Module, tensors: dict[str, torch.Tensor], source: str = "tensors") -> None:
    """Copy validated prunable tensors into ``model``: exactly its prunable names, matching shapes;
    every other parameter stays the harness's dense copy."""
    from harness.core.sparsity import prunable_weight_names

    names = prunable_weight_names(model)
    if set(tensors) != set(names):
        raise ValueError(f"{source}: tensor names differ from the model's prunable weights")
    params = dict(model.named_parameters(remove_duplicate=False))
    with torch.no_grad():
        for n in names:
            p = params[n]
            if tensors[n].shape != p.shape:
                raise ValueError(f"{n}: shape {tuple(tensors[n].shape)} != {tuple(p.shape)}")
            p.copy_(tensors[n].to(p.dtype))
