"""Run the runner in a locked-down Docker container through the ``docker`` SDK.

Everything the container can see is mounted read-only (the host Python, the model files, the job
input) except the job's output folder and a size-capped tmpfs at /tmp. No network, no capabilities,
no privilege escalation, a non-root user, a pids limit, a memory limit without swap, a CPU quota,
capped logs, and an environment built from nothing (host variables such as OPENAI_API_KEY are never
passed). The container is killed at the wall-clock deadline and always removed.
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

from .image import CODE_ROOT, IN_DIR, OUT_DIR, SANDBOX_UID, WEIGHTS_DIR, docker_client, ensure_image, host_layout
from . import stopping
from .job import ExecOutcome
from .limits import SandboxLimits
from .watch import LevelClock

LABEL = "prunegen"
OWNER_LABEL = "prunegen.owner"   # host:pid of the harness process that started the container
POLL_S = 0.05


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def reap_orphans(client) -> int:
    """Remove sandbox containers whose harness process on this host is gone (a killed run's leftovers).

    A harness removes its containers in ``finally``; only a SIGKILLed one cannot. Containers of live
    harness processes, and of other hosts sharing the engine, are left alone.
    """
    host = socket.gethostname()
    removed = 0
    for c in client.containers.list(all=True, filters={"label": LABEL}):
        owner = c.labels.get(OWNER_LABEL, "")
        name, _, pid = owner.rpartition(":")
        if name != host or not pid.isdigit() or pid_alive(int(pid)):
            continue
        try:
            c.remove(force=True, v=True)
            removed += 1
        except Exception:  # noqa: BLE001 - already gone, or being removed by the engine
            pass
    return removed


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _environment(limits: SandboxLimits, code_root: str) -> dict[str, str]:
    env = {"HOME": "/tmp", "TMPDIR": "/tmp", "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
           "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1", "PYTHONHASHSEED": "0",
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1",
           "TRANSFORMERS_VERBOSITY": "error", "TQDM_DISABLE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
           "OMP_NUM_THREADS": str(limits.threads), "MKL_NUM_THREADS": str(limits.threads)}
    env["PYTHONPATH"] = code_root
    return env


def execute(in_dir: Path, out_dir: Path, weight_files: dict[str, Path], n_levels: int,
            limits: SandboxLimits, on_level=None) -> ExecOutcome:
    import docker.errors
    from docker.types import DeviceRequest, LogConfig, Mount

    client = docker_client()
    reap_orphans(client)
    phases = {}
    t = time.perf_counter()
    mounts = [Mount(IN_DIR, str(in_dir), type="bind", read_only=True),
              Mount(OUT_DIR, str(out_dir), type="bind", read_only=False)]
    mounts += [Mount(f"{WEIGHTS_DIR}/{name}", str(path), type="bind", read_only=True)
               for name, path in weight_files.items()]
    if limits.image:
        image, python, code_root = limits.image, "python", CODE_ROOT  # sandbox/Dockerfile copies the code there
    else:
        layout = host_layout()
        image, python, code_root = ensure_image(client, layout), layout.python, CODE_ROOT
        mounts += [Mount(m, m, type="bind", read_only=True) for m in layout.mounts]
        mounts += [Mount(c, h, type="bind", read_only=True) for h, c in layout.code]
    phases["image"] = time.perf_counter() - t
    mem = limits.memory_bytes
    kwargs = dict(
        command=[python, "-B", "-m", "sandbox.runner", IN_DIR, WEIGHTS_DIR, OUT_DIR],
        user=f"{SANDBOX_UID}:{SANDBOX_UID}", working_dir="/tmp", environment=_environment(limits, code_root),
        mounts=mounts, read_only=True, tmpfs={"/tmp": f"size={limits.tmpfs},mode=1777,noexec,nosuid,nodev"},
        network_mode=limits.network, cap_drop=["ALL"], security_opt=["no-new-privileges"],
        pids_limit=limits.pids, mem_limit=mem, memswap_limit=mem, nano_cpus=int(limits.cpus * 1e9),
        # The file-size ulimit caps each file the candidate could write into the output mount.
        ulimits=[docker.types.Ulimit(name="fsize", soft=limits.output_cap_bytes, hard=limits.output_cap_bytes),
                 docker.types.Ulimit(name="core", soft=0, hard=0)],
        log_config=LogConfig(type="json-file", config={"max-size": "1m", "max-file": "1"}),
        labels={LABEL: "1", OWNER_LABEL: _owner()}, detach=True, stdin_open=False, tty=False, ipc_mode="private",
        # Without an init the runner is PID 1; it exits normally, and SIGKILL from outside always works.
    )
    if limits.gpus:
        ids = None if limits.gpus == "all" else limits.gpus.split(",")
        kwargs["device_requests"] = [DeviceRequest(count=-1 if ids is None else None, device_ids=ids,
                                                   capabilities=[["gpu"]])]
    container = None
    timed_out, exit_code, oom, log_tail, interrupted = False, None, False, "", False
    stopping.check()
    clock = LevelClock(out_dir, n_levels, limits, on_level)
    try:
        t = time.perf_counter()
        container = client.containers.create(image, **kwargs)
        container.start()
        clock = LevelClock(out_dir, n_levels, limits, on_level)
        phases["start"] = time.perf_counter() - t
        t_run = time.perf_counter()
        while True:
            try:
                result = container.wait(timeout=POLL_S)
                exit_code = result.get("StatusCode")
                break
            except Exception:  # requests' ReadTimeout / ConnectionError: still running
                pass
            clock.poll()
            if clock.ready_at is not None and "ready" not in phases:
                phases["ready"] = time.perf_counter() - t_run
            if stopping.requested():
                interrupted = True
                break   # the finally below removes the container (force: it is killed)
            if time.monotonic() > clock.deadline():
                timed_out = True
                try:
                    container.kill()
                except docker.errors.APIError:
                    pass
                break
        if interrupted:
            stopping.check()
        clock.poll()
        phases.setdefault("ready", None)
        phases["run"] = time.perf_counter() - t_run
        t = time.perf_counter()
        try:
            container.reload()
            oom = bool(container.attrs.get("State", {}).get("OOMKilled"))
            if exit_code is None and not container.attrs["State"].get("Running"):
                exit_code = container.attrs["State"].get("ExitCode")
        except docker.errors.APIError:
            pass
        try:  # only the tail: the log file is capped by the driver, and we never read all of it
            raw = container.logs(stdout=True, stderr=True, tail=200)
            log_tail = raw[-limits.log_tail_bytes:].decode("utf-8", errors="replace")
        except docker.errors.APIError:
            log_tail = ""
    finally:
        if container is not None:
            try:
                container.remove(force=True, v=True)
            except docker.errors.NotFound:
                pass
            except docker.errors.APIError as e:  # 409 "removal already in progress": the engine removes it
                if e.status_code != 409:
                    raise
        if "run" in phases:
            phases["teardown"] = time.perf_counter() - t
    return ExecOutcome(exit_code=exit_code, timed_out=timed_out, oom_killed=oom, log_tail=log_tail,
                       level_seconds=clock.level_seconds(), phases=phases)
