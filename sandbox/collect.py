"""The trusted side: turn what a sandboxed run left in its output folder into one status per level.

Threat model, honestly:
  * The candidate runs in the same process as the runner. It can patch torch, safetensors, the
    runner, and write any file into the output folder, up to the size cap per file. So nothing the
    runner writes is believed by default.
  * What the host checks itself, here, from the raw files: each status file is small JSON; each
    tensor file exists, is no larger than the cap (checked on disk before it is opened), parses as
    safetensors, and holds exactly the prunable names with the dense shapes and dtypes, finite
    values, and the target sparsity and N:M pattern counted by the host (harness.core.validation.validate).
  * A status file claiming failure is believed (a candidate can only hurt itself by forging one); a
    status file claiming ``ok`` counts for nothing until the tensors pass. ``tampered`` (non-prunable
    weights written) is detected by the runner, so only an honestly broken candidate is caught; a
    hostile one can hide it. That is harmless by construction: the harness scores with its OWN dense
    copy of everything non-prunable plus the validated prunable tensors (sandbox/api.py
    ``load_validated``), so writes to embeddings, norms or ``lm_head`` never reach a score.
  * What cannot be guaranteed: that the prunable values came from the algorithm the candidate's
    source claims (any tensors meeting the checks are its answer), and anything about the
    container engine's own isolation beyond the limits in sandbox/limits.py.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import torch

from harness.core.interface import Status
from harness.core.sparsity import measure
from harness.core.validation import validate

from .job import ExecOutcome, LevelResult, SandboxJob

STATUS_FILE_CAP = 64 << 10
# Failures a runner may report; believed as reported. Anything else unrecognised is output-invalid.
# ``collapsed`` is the host's judgement of a score, never a runner's to claim.
_BELIEVED_FAILURES = {s.value for s in Status} - {Status.OK.value, Status.NO_CODE.value,
                                                  Status.GENERATION_ERROR.value, Status.COLLAPSED.value}


def _read_status(path: Path) -> dict | None:
    if not path.is_file() or path.is_symlink():
        return None
    if path.stat().st_size > STATUS_FILE_CAP:
        return {"status": "__too_big__"}
    try:
        obj = json.loads(path.read_text(encoding="utf-8", errors="replace"))
        return obj if isinstance(obj, dict) else {"status": "__invalid__"}
    except ValueError:
        return {"status": "__invalid__"}


def _ended_without_report(outcome: ExecOutcome) -> tuple[Status, str]:
    """Category for a level the runner never reported: the process ended or was ended first."""
    if outcome.timed_out:
        return Status.TIMEOUT, "wall-clock limit reached; the container was killed"
    if outcome.oom_killed or outcome.exit_code == 137 and "MemoryError" in outcome.log_tail:
        return Status.OUT_OF_MEMORY, "killed by the kernel's out-of-memory killer at the memory limit"
    code = outcome.exit_code
    if code is not None and code > 128:
        import signal
        try:
            name = signal.Signals(code - 128).name
        except ValueError:
            name = f"signal {code - 128}"
        return Status.KILLED, f"the process died from {name} (exit code {code}) before reporting this level"
    if code is not None and code < 0:
        import signal
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return Status.KILLED, f"the process died from {name} before reporting this level"
    return Status.KILLED, f"the process exited (code {code}) before reporting this level"


def collect(out_dir: Path, job: SandboxJob, outcome: ExecOutcome, dense: dict[str, torch.Tensor],
            names: list[str], cap_bytes: int, *, keep_dir: Path | None, backend: str,
            on_valid=None, early: dict[int, LevelResult] | None = None) -> list[LevelResult]:
    """One LevelResult per level once the run has ended. ``early``: levels already collected while it ran
    (:func:`collect_level`, index -> result); they are kept as they were, with the run's log tail added."""
    results = []
    for i, level in enumerate(job.levels):
        if early and i in early:
            r = early[i]
            results.append(replace(r, stderr_tail=(outcome.log_tail + r.stderr_tail)[-8000:]))
            continue
        seconds = outcome.level_seconds[i] if i < len(outcome.level_seconds) else None
        r = collect_level(out_dir, job, i, seconds, outcome.phases.get("run"), outcome.log_tail, dense, names,
                          cap_bytes, keep_dir=keep_dir, backend=backend, on_valid=on_valid)
        if r is None:
            status, detail = _ended_without_report(outcome)
            r = LevelResult(status=status, detail=detail, stderr_tail=outcome.log_tail, level=level,
                            seconds=seconds or 0.0, backend=backend)
        results.append(r)
    return results


def collect_level(out_dir: Path, job: SandboxJob, i: int, seconds: float | None, run_seconds: float | None,
                  log_tail: str, dense: dict[str, torch.Tensor], names: list[str], cap_bytes: int, *,
                  keep_dir: Path | None, backend: str, on_valid=None) -> LevelResult | None:
    """Level ``i``'s trusted result from its status and tensor files, or None when it has no status file.

    Called for each level as the runner reports it while the run goes on (the log tail is then "", the
    run's own is added at the end), or after the run for the levels not collected yet. ``run_seconds``
    bounds the runner's self-reported time: what the host saw the run take so far.
    """
    level = job.levels[i]
    claimed = _read_status(out_dir / f"level-{i}.json")
    if claimed is None:
        return None
    base = dict(level=level, seconds=seconds or 0.0, backend=backend)
    tail = log_tail
    reported = claimed.get("seconds")
    if isinstance(reported, (int, float)) and 0 <= reported:
        # The runner's timing of the prune call is finer than the host's 50 ms polling; being
        # self-reported, it is bounded by what the host saw the whole run take.
        base["seconds"] = min(float(reported), run_seconds or float(reported))
    peak = claimed.get("peak_rss_bytes")
    base["peak_memory_bytes"] = peak if isinstance(peak, int) else None
    trace = claimed.get("traceback") if isinstance(claimed.get("traceback"), str) else ""
    if trace:
        tail = (tail + "\n--- runner traceback ---\n" + trace)[-8000:]
    said = claimed.get("status")
    said_detail = str(claimed.get("detail", ""))[:2000]
    if said in _BELIEVED_FAILURES:
        return LevelResult(status=Status(said), detail=said_detail, stderr_tail=tail, **base)
    if said != Status.OK.value:
        return LevelResult(status=Status.OUTPUT_INVALID, detail=f"unreadable status file ({said!r})",
                           stderr_tail=tail, **base)
    status, detail, achieved, kept = _check_tensors(out_dir / f"level-{i}.safetensors", job, level, dense,
                                                    names, cap_bytes, keep_dir, i, on_valid)
    return LevelResult(status=status, detail=detail, stderr_tail=tail, achieved_sparsity=achieved,
                       weights_path=kept, **base)


def _check_tensors(path: Path, job: SandboxJob, level: float, dense, names, cap_bytes, keep_dir, i, on_valid=None):
    """(status, detail, achieved sparsity, kept path) for one level's tensor file, trusting nothing in it."""
    from safetensors.torch import load_file

    if path.is_symlink() or not path.is_file():
        return Status.OUTPUT_INVALID, "the runner said ok but wrote no tensor file", None, None
    size = path.stat().st_size
    if size > cap_bytes:
        return Status.OUTPUT_INVALID, f"tensor file is {size:,} bytes, over the cap of {cap_bytes:,}", None, None
    try:
        pruned = load_file(str(path))
    except Exception as e:  # noqa: BLE001 - any parse failure of untrusted bytes is invalid output
        return Status.OUTPUT_INVALID, f"tensor file does not parse: {type(e).__name__}: {e}", None, None
    verdict = validate(dense, pruned, names, level, job.pattern, job.sparsity_rule)
    achieved = verdict.sparsity.overall if verdict.sparsity else None
    if achieved is None and all(n in pruned and isinstance(pruned[n], torch.Tensor) for n in names):
        try:
            achieved = measure({n: pruned[n] for n in names}).overall
        except Exception:  # noqa: BLE001
            achieved = None
    kept = None
    if verdict.ok and on_valid is not None:
        on_valid(level, {n: pruned[n] for n in names})   # scored now, while the tensors are in memory
    if verdict.ok and keep_dir is not None:
        keep_dir.mkdir(parents=True, exist_ok=True)
        kept = keep_dir / f"level-{i}-{level:g}.safetensors"
        # Re-written by the host from the checked tensors: nothing of the untrusted file survives.
        from safetensors.torch import save_file
        save_file({n: pruned[n].contiguous() for n in names}, str(kept), metadata={"level": str(level),
                                                                                 "pattern": job.pattern})
    return verdict.status, verdict.detail, achieved, kept
