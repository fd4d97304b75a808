"""What one sandboxed job is (SandboxJob) and what comes back per sparsity level (LevelResult)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from harness.core.interface import Status


@dataclass(frozen=True)
class SandboxJob:
    """One candidate against one model at one or more sparsity levels, sharing one weight load.

    model_dir: a Hugging Face directory with ``config.json`` and ``*.safetensors`` (e.g.
    ``load_model(spec).info.path``); mounted read-only. calib: LongTensor [nsamples, seqlen] of token
    ids, written by the host into the job's read-only input folder.
    """
    model_dir: Path
    calib: object                      # torch.LongTensor [nsamples, seqlen]
    levels: tuple[float, ...]
    pattern: str = "unstructured"
    seed: int = 0
    device: str = "cpu"
    dtype: str = "float32"
    stop_on_error: bool = False        # after a level fails, report the rest as skipped instead of running them
    sparsity_rule: str = "two-sided"    # how the trusted check reads the level (harness.core.sparsity.meets_target)


@dataclass(frozen=True)
class LevelResult:
    """The trusted outcome of one level: the status is derived by the host from the tensors it read."""
    level: float
    status: Status
    detail: str = ""
    stderr_tail: str = ""              # the end of the candidate's stdout+stderr and the runner's traceback
    seconds: float = 0.0               # wall time of this level, observed by the host
    peak_memory_bytes: int | None = None  # peak RSS the runner reported (self-reported: informational only)
    achieved_sparsity: float | None = None  # counted by the host over the prunable tensors it read
    weights_path: Path | None = None   # validated prunable tensors (safetensors), when kept; None otherwise
    backend: str = "docker"

    @property
    def ok(self) -> bool:
        return self.status is Status.OK

    def as_dict(self) -> dict:
        d = asdict(self)
        d["status"] = str(self.status)
        d["weights_path"] = str(self.weights_path) if self.weights_path else None
        return d


@dataclass(frozen=True)
class ExecOutcome:
    """How the container (or process) ended, as the host observed it. Input to sandbox/collect.py."""
    exit_code: int | None              # None: still running when killed
    timed_out: bool
    oom_killed: bool
    log_tail: str
    level_seconds: tuple[float | None, ...]  # host-observed time per level (None: never reported)
    phases: dict = field(default_factory=dict)  # start / ready / run / teardown seconds, for the benchmark
