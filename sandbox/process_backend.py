"""The fallback for machines without Docker: the runner in a subprocess with rlimits. WEAKER ISOLATION.

What it does: an empty environment (only what the runner needs), a new session (so the whole
process group is killed at the deadline), RLIMIT_AS (memory), RLIMIT_CPU, RLIMIT_FSIZE (output
files), RLIMIT_NPROC (for non-root users), no core dumps, and, where ``unshare -rn`` works, a new user and network
namespace with no interfaces but loopback, i.e. no network.

What it does NOT do: the file system is the host's, with the caller's permissions (the candidate can
read whatever the user can, and write wherever the user can); RLIMIT_NPROC does not bind root; RLIMIT_AS
counts virtual memory, not resident. Every result from this backend says so in its detail.
"""

from __future__ import annotations

import functools
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from . import stopping
from .image import repo_root
from .job import ExecOutcome
from .limits import SandboxLimits
from .watch import LevelClock

WARNING = "WEAKER ISOLATION: process sandbox (rlimits{net}), not a container"
POLL_S = 0.05


@functools.lru_cache(maxsize=1)
def unshare_available() -> bool:
    try:
        return subprocess.run(["unshare", "-rn", "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def warning() -> str:
    return WARNING.format(net=", no network via unshare" if unshare_available() else "; NETWORK NOT ISOLATED")


def _limit(limits: SandboxLimits, cpu_seconds: int):
    def apply() -> None:
        os.setsid()
        mem = limits.memory_bytes
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.output_cap_bytes, limits.output_cap_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if nproc is not None:
            resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
    # RLIMIT_NPROC counts every task of the user on the host, so the allowance is on top of what the
    # user already runs. It does not bind root at all, so it is not set for root.
    nproc = None if os.geteuid() == 0 else limits.pids + _tasks_of(os.geteuid())
    return apply


def _tasks_of(uid: int) -> int:
    """Threads + processes the user runs now, as RLIMIT_NPROC counts them."""
    n = 0
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if os.stat(f"/proc/{pid}").st_uid == uid:
                    n += len(os.listdir(f"/proc/{pid}/task"))
            except OSError:
                pass
    return n


class _Tail(threading.Thread):
    """Drain the child's stdout+stderr, keeping only the last ``keep`` bytes: 1 GB of prints costs nothing."""

    def __init__(self, stream, keep: int):
        super().__init__(daemon=True)
        self.stream, self.keep, self.buf = stream, keep, bytearray()

    def run(self) -> None:
        while chunk := self.stream.read(1 << 16):
            self.buf += chunk
            if len(self.buf) > 2 * self.keep:
                del self.buf[:-self.keep]


def execute(in_dir: Path, out_dir: Path, weights_dir: Path, n_levels: int, limits: SandboxLimits,
            on_level=None) -> ExecOutcome:
    env = {"HOME": str(out_dir.parent / "home"), "TMPDIR": str(out_dir.parent / "home"), "PATH": "/usr/bin:/bin",
           "LANG": "C.UTF-8", "PYTHONPATH": str(repo_root()), "PYTHONDONTWRITEBYTECODE": "1",
           "PYTHONUNBUFFERED": "1", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1",
           "TRANSFORMERS_VERBOSITY": "error", "TQDM_DISABLE": "1",
           "OMP_NUM_THREADS": str(limits.threads)}
    Path(env["HOME"]).mkdir(exist_ok=True)
    cmd = [sys.executable, "-B", "-m", "sandbox.runner", str(in_dir), str(weights_dir), str(out_dir)]
    if unshare_available():
        cmd = ["unshare", "-rn"] + cmd
    stopping.check()
    cpu_seconds = int(limits.load_timeout_s + limits.timeout_s * n_levels) * max(1, limits.threads) + 10
    phases = {}
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=env["HOME"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, preexec_fn=_limit(limits, cpu_seconds), close_fds=True)
    phases["start"] = time.perf_counter() - t
    tail = _Tail(proc.stdout, limits.log_tail_bytes)
    tail.start()
    clock = LevelClock(out_dir, n_levels, limits, on_level)
    timed_out = False
    t_run = time.perf_counter()
    try:
        while proc.poll() is None:
            clock.poll()
            if clock.ready_at is not None and "ready" not in phases:
                phases["ready"] = time.perf_counter() - t_run
            stopping.check()   # the finally below kills the process group
            if time.monotonic() > clock.deadline():
                timed_out = True
                break
            time.sleep(POLL_S)
        clock.poll()   # a level reported at the very end is collected as the others were
    finally:
        clock.on_done = None   # interrupted: nothing more is collected, the finished levels are
        clock.poll()
        phases["run"] = time.perf_counter() - t_run
        t = time.perf_counter()
        try:  # the whole session: a candidate's children go too
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        tail.join(timeout=5)
        proc.stdout.close()
        phases["teardown"] = time.perf_counter() - t
    code = proc.returncode
    log = bytes(tail.buf[-limits.log_tail_bytes:]).decode("utf-8", errors="replace")
    # A negative return code is death by signal; as in Docker, report it as 128 + signal.
    exit_code = 128 - code if code is not None and code < 0 else code
    # RLIMIT_AS turns memory exhaustion into MemoryError inside, which the runner reports itself.
    return ExecOutcome(exit_code=exit_code, timed_out=timed_out, oom_killed=False, log_tail=log,
                       level_seconds=clock.level_seconds(), phases=phases)
