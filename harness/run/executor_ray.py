"""Sweeps as Ray work (``[run] executor = "ray"``): for users whose machines are already a Ray cluster.

The unit of work is one sweep (one pruner file x model x pattern, all its levels in one sandbox), as
with the local executor. Each worker is a long-lived actor that loads the model, the evaluation
windows and the calibration windows once and then runs sweep after sweep. Results stream back one
level at a time (a Ray streaming generator), each as soon as the sandbox reports it and it is scored,
while the sweep's next level runs (harness.run.sweep.run_sweep), and the driver is the only writer of the
SQLite store: resume, ``--retry`` and the reports work exactly as with the local executor. A worker (or
its node) that dies mid-sweep loses no finished level; its unfinished levels go back on the queue for
another worker, and end ``killed`` once no worker is left. Generation (API calls) stays on the driver.

Ray is an optional dependency (``pip install prunegen[ray]``), imported only when this executor runs.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import replace

from .config import ExperimentConfig
from harness.core.interface import Status
from .scoring import Scorer, row, session_of
from .sweep import Sweep

log = logging.getLogger("prunegen.run")

MAX_ATTEMPTS = 3   # a sweep whose worker died is handed to another at most this often
STOP = object()


class _Collector:
    """The store protocol the worker's Scorer needs (``has``, ``put``), handing each result to ``sink``."""

    def __init__(self, sink):
        self.sink = sink

    def has(self, key) -> bool:   # the driver planned the sweep from its store: nothing here is stored yet
        return False

    def put(self, result) -> None:
        self.sink(result)


def _worker_class(ray):
    @ray.remote(max_concurrency=2)   # a second thread, so stop() is served while run() streams
    class SweepWorker:
        """One slot of a node: the model, the windows and the sandbox choice, loaded once."""

        def __init__(self, cfg: ExperimentConfig, spec: str):
            self.cfg, self.node = cfg, ray.get_runtime_context().get_node_id()
            self.backend = _node_backend(cfg.sandbox.backend)
            self.pending: queue.Queue = queue.Queue()
            session = session_of(cfg, spec, _Collector(self.pending.put))
            self.lm, self.scorer, self.calib = session.lm, session.scorer, session.calib

        def identity(self) -> dict:
            from harness.core.fingerprint import code_sha256
            return {"node": self.node, "backend": self.backend, "setup": self.scorer.setup_digest,
                    "code_sha256": code_sha256()}

        def stop(self) -> None:
            """Ctrl-C on the driver: kill this worker's running sandbox; its sweep ends Interrupted."""
            from sandbox import stopping
            stopping.stop_all()

        def run(self, sweep: Sweep, limits):
            """Yield each level's JobResult as soon as it is scored."""
            from .sweep import SweepSettings, run_sweep

            settings = replace(SweepSettings.of(self.cfg), backend=self.backend)
            done, failed = object(), []

            def work():
                try:
                    run_sweep(sweep, settings, self.scorer, self.calib, limits, lambda _r: None)
                except BaseException as e:  # re-raised below: the driver reports it as the local executor does
                    failed.append(e)
                finally:
                    self.pending.put(done)

            threading.Thread(target=work, daemon=True).start()
            while (item := self.pending.get()) is not done:
                item.extra = {**item.extra, "node": self.node}
                yield item
            if failed:
                raise failed[0]

    return SweepWorker


def _node_backend(wanted: str) -> str:
    """Docker where this node has an engine, else the labelled process sandbox; never unsandboxed."""
    if wanted != "docker":
        return wanted
    from sandbox.image import DockerUnavailable, docker_client
    try:
        docker_client()
        return "docker"
    except DockerUnavailable:
        from sandbox.process_backend import unshare_available
        log.warning("no Docker engine on this node: using the process sandbox (weaker isolation)%s",
                    "" if unshare_available() else ", without a network namespace")
        return "process"


def connect(address: str | None):
    import ray
    if not ray.is_initialized():
        # Unset: an embedded local instance; "auto" or "ray://host:10001": an existing cluster.
        import os
        env = {k: os.environ[k] for k in ("PRUNEGEN_DATA_DIR", "PRUNEGEN_CACHE", "HF_HOME") if os.environ.get(k)}
        ray.init(address=address, ignore_reinit_error=True, log_to_driver=False, runtime_env={"env_vars": env})
    return ray


def execute_ray(cfg: ExperimentConfig, scorer: Scorer, sweeps: list[Sweep], spec: str, say, echo_row) -> None:
    """Run ``sweeps`` on ``cfg.run.workers`` Ray actors; store every streamed level on the driver."""
    from harness.core.fingerprint import code_sha256
    from .sweep import sandbox_limits

    ray = connect(cfg.run.ray_address)
    Worker = _worker_class(ray)
    gpus = 1 if cfg.model.device == "cuda" else 0
    workers = [Worker.options(name=f"prunegen-worker-{i}", num_gpus=gpus, num_cpus=1).remote(cfg, spec)
               for i in range(cfg.run.workers)]
    ids = ray.get([w.identity.remote() for w in workers])
    for w, ident in zip(workers, ids):
        if ident["setup"] != scorer.setup_digest or ident["code_sha256"] != code_sha256():
            raise RuntimeError(f"Ray worker on node {ident['node']} has setup {ident['setup']} and code "
                               f"{ident['code_sha256']}, the driver {scorer.setup_digest} and {code_sha256()}: "
                               "install the same prunegen (and the same model and data) on every node")
    say(f"ray: {len(workers)} workers on {len({i['node'] for i in ids})} node(s), "
        f"sandboxes {sorted({i['backend'] for i in ids})}")

    todo: queue.Queue = queue.Queue()
    for s in sweeps:
        todo.put((s, 1))

    echoed, echo_lock = set(), threading.Lock()

    def store(result) -> None:
        """Each level comes twice: as soon as it is scored, then whole at its sweep's end; both are stored
        (the second replaces the first), the first is echoed."""
        with scorer.lock:   # the driver's one store, written by one thread at a time
            scorer.store.put(result)
        with echo_lock:
            first = result.key not in echoed
            echoed.add(result.key)
        if first:
            echo_row(row(result))

    lock, in_flight, halt = threading.Lock(), [0], threading.Event()

    def take():
        """The next sweep, or None to wait (a running sweep may yet come back), or STOP when all is done."""
        if halt.is_set():
            return STOP
        with lock:
            try:
                item = todo.get_nowait()
            except queue.Empty:
                return STOP if in_flight[0] == 0 else None
            in_flight[0] += 1
            return item

    def serve(worker) -> None:
        limits = sandbox_limits(cfg, None)
        while (item := take()) is not STOP:
            if item is None:
                time.sleep(0.5)
                continue
            sweep, attempt = item
            got = set()
            try:
                for ref in worker.run.options(num_returns="streaming").remote(sweep, limits):
                    result = ray.get(ref)
                    store(result)
                    got.add(result.key.sparsity)
            except ray.exceptions.RayTaskError as e:   # the harness's own failure on one sweep, as locally
                if halt.is_set():
                    return   # stopped by Ctrl-C: its unfinished levels stay unstored, for the rerun
                log.error("sweep %s %s failed in the harness: %s", sweep.method, sweep.pattern, e)
                say(f"sweep {sweep.method} ({sweep.pattern}) failed in the harness: {type(e).__name__}")
            except ray.exceptions.RayError as e:       # the worker, or its node, is gone
                rest = tuple(s for s in sweep.levels if s not in got)
                log.warning("worker died during %s (%s); %d level(s) left", sweep.method, type(e).__name__, len(rest))
                if rest and attempt < MAX_ATTEMPTS:
                    todo.put((replace(sweep, levels=rest), attempt + 1))   # before in_flight drops: no one quits
                elif rest:
                    _killed(scorer, replace(sweep, levels=rest), echo_row, f"worker died {attempt} times")
                return
            finally:
                with lock:
                    in_flight[0] -= 1

    threads = [threading.Thread(target=serve, args=(w,), daemon=True) for w in workers]
    try:
        for t in threads:
            t.start()
        for t in threads:
            while t.is_alive():
                t.join(timeout=0.5)
    except KeyboardInterrupt:
        halt.set()
        say("interrupted: stopping the Ray workers' sandboxes (finished jobs are stored)")
        try:
            ray.get([w.stop.remote() for w in workers], timeout=10)
        except Exception as e:  # noqa: BLE001 - a dead worker has nothing left to stop
            log.warning("stopping the Ray workers: %s", e)
        for t in threads:   # rows already streamed are stored before the driver lets go of the store
            t.join(timeout=20)
        raise
    finally:
        for w in workers:
            ray.kill(w)
    while not todo.empty():   # every worker died: what is left is killed, and a rerun runs it again
        sweep, attempt = todo.get_nowait()
        _killed(scorer, sweep, echo_row, "no Ray worker left")


def _killed(scorer: Scorer, sweep: Sweep, echo_row, why: str) -> None:
    """Store the levels no worker finished as ``killed`` (``--retry killed`` runs them again)."""
    for level in sweep.levels:
        key = scorer.key(sweep.kind, sweep.method, level, sweep.pattern)
        with scorer.lock:
            result = scorer.record(key, Status.KILLED, why, **sweep.ids)
        echo_row(row(result))
