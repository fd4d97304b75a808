"""Ctrl-C on `prunegen run`: a real SIGINT to a real harness process, with the local and the Ray executor.

The run must stop within seconds (not when the running sweep would have ended), kill the sandbox it was
running (no container or process left behind), keep every finished job, the interrupted sweep's finished
level too (each level is stored as it is scored), and be resumed by the same command.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from test_pipeline import write_config

REPO = Path(__file__).resolve().parents[1]

PRUNER = '''import time
import torch
def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    if SLOW and sparsity > 0.5:
        time.sleep(600)   # far past the test's patience: only an interrupt ends it in time
    for layer in layers.values():
        w = layer.weight.data
        k = int(w.numel() * sparsity + 0.999999)
        w.view(-1)[torch.topk(w.abs().flatten(), k, largest=False).indices] = 0
'''

# `prunegen run` with the generated candidates replaced by two files, in a process of its own.
DRIVER = '''import json, signal, sys
# As at a terminal: a shell that starts a job in the background (nohup, CI runners) may leave SIGINT
# ignored, and then Python never raises KeyboardInterrupt.
signal.signal(signal.SIGINT, signal.default_int_handler)
from harness.run import pipeline
from harness.run.store import CandidateRecord
from harness.cli.main import main
cands = [CandidateRecord(**c) for c in json.loads(sys.argv[1])]
pipeline.generate_candidates = lambda *a, **k: cands
sys.exit(main(["run", *sys.argv[2:]]))
'''


def _candidates(tmp: Path, slow: bool) -> list[dict]:
    out = []
    for name, is_slow in (("fast", False), ("slow", slow)):
        path = tmp / f"{name}.py"
        path.write_text(PRUNER.replace("SLOW", str(is_slow)))
        out.append({"id": name, "status": "ok", "path": str(path), "idea": name, "generator": "test",
                    "sample": 0, "round": 0})
    return out


def _rows(db: Path) -> dict[tuple, str]:
    with sqlite3.connect(db) as c:
        return {(m, s): st for m, s, st in c.execute("SELECT method, sparsity, status FROM jobs WHERE kind='candidate'")}


def _sandbox_processes(root: Path) -> list[str]:
    found = []
    for p in Path("/proc").iterdir():
        try:
            cmd = (p / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "sandbox.runner" in cmd and str(root) in cmd:
            found.append(f"{p.name}: {cmd}")
    return found


@pytest.mark.parametrize("executor,backend", [("local", "process"), ("local", "docker"), ("ray", "process")])
def test_ctrl_c_stops_the_sandbox_keeps_finished_jobs_and_resumes(executor, backend, tiny_model_dir, tmp_path,
                                                                   sandbox_tmp):
    text = tmp_path / "text.txt"
    text.write_text("Sphinx of black quartz, judge my vow. " * 200)
    out = tmp_path / "run"
    cfg = write_config(tmp_path, tiny_model_dir, text, out)
    args = [str(cfg), "--no-report", "--set", f"sandbox.backend={backend}", "--set", "references.methods=[]",
            "--set", f"run.executor={executor}", "--set", "run.workers=1"]
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(REPO)}
    db = out / "results.sqlite"
    proc = subprocess.Popen([sys.executable, str(driver), json.dumps(_candidates(tmp_path, slow=True)), *args],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 240
        while time.time() < deadline:   # the fast sweep and the slow one's first level are stored (by id)
            if db.is_file():
                try:
                    if len([k for k in _rows(db) if k[0] == "fast"]) == 2 and ("slow", 0.3) in _rows(db):
                        break
                except sqlite3.OperationalError:
                    pass
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.2)
        time.sleep(3)   # into the slow level's sleep
        t = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        stopped_in = time.monotonic() - t
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err[-3000:]
    assert "interrupted" in err and "resumes" in err
    assert stopped_in < 30, f"took {stopped_in:.1f} s to stop"
    rows = _rows(db)
    # the interrupted sweep's finished level is kept; its interrupted one is not stored, for the rerun
    assert rows == {("fast", 0.3): "ok", ("fast", 0.6): "ok", ("slow", 0.3): "ok"}
    assert _sandbox_processes(sandbox_tmp) == []
    assert not list(sandbox_tmp.glob(f"job-{proc.pid}-*"))
    if backend == "docker":
        import docker
        owner = f"prunegen.owner={socket.gethostname()}:{proc.pid}"
        assert docker.from_env().containers.list(all=True, filters={"label": owner}) == []

    before = _finished(db)
    rerun = subprocess.run([sys.executable, str(driver), json.dumps(_candidates(tmp_path, slow=False)), *args],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert _rows(db) == {(m, s): "ok" for m in ("fast", "slow") for s in (0.3, 0.6)}
    after = _finished(db)
    assert {k: after[k] for k in before} == before   # the fast sweep did not run again


def _finished(db: Path) -> dict[str, str]:
    with sqlite3.connect(db) as c:
        return dict(c.execute("SELECT key, finished_at FROM jobs").fetchall())
