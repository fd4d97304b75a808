"""The Ray executor against a real embedded Ray instance: the same store rows as the local executor,
and a worker killed mid-sweep loses no finished level."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import ray   # the [ray] extra is part of make setup: without it this module fails, it is not skipped

from harness.run.config import load_config
from harness.run.pipeline import run
from harness.run.store import CandidateRecord, ResultsStore

from test_pipeline import write_config


SLOW_PRUNER = '''import time
import torch
def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    if sparsity > 0.5:
        time.sleep(60)   # the second level: long enough to kill the worker running it
    for layer in layers.values():
        w = layer.weight.data
        k = int(w.numel() * sparsity + 0.999999)
        w.view(-1)[torch.topk(w.abs().flatten(), k, largest=False).indices] = 0
'''


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def _rows(run_dir: Path) -> dict:
    with ResultsStore(run_dir / "results.sqlite") as store:
        return {(r.kind, r.method, r.sparsity): r for r in store.rows()}


def _config(tmp: Path, tiny_model_dir: Path, out: Path, *overrides: str):
    text = tmp / "text.txt"
    text.write_text("The quick brown fox jumps over the lazy dog. " * 200)
    return load_config(write_config(tmp, tiny_model_dir, text, out),
                       ["sandbox.backend=process", 'references.methods=["magnitude", "wanda"]', *overrides])


def test_ray_stores_what_the_local_executor_stores(local_ray, tiny_model_dir, tmp_path, sandbox_tmp):
    local = run(_config(tmp_path, tiny_model_dir, tmp_path / "local"), echo=lambda *_: None)
    remote = run(_config(tmp_path, tiny_model_dir, tmp_path / "ray", "run.executor=ray", "run.workers=2"),
                 echo=lambda *_: None)
    a, b = _rows(local), _rows(remote)
    # dense, 2 refs, the interface's example (beside the programs) and 2 runnable candidates, x 2 levels
    assert a.keys() == b.keys() and len(a) == 1 + 2 * 2 + 1 * 2 + 2 * 2
    for k in a:
        fields = ("status", "perplexity", "achieved_sparsity", "fingerprint_digest")
        assert {f: getattr(a[k], f) for f in fields} == {f: getattr(b[k], f) for f in fields}, k
    node = ray.get_runtime_context().get_node_id()
    assert all(r.extra["node"] == node for k, r in b.items() if k[0] != "dense" and r.status != "killed")


def test_a_worker_killed_mid_sweep_loses_no_finished_level(local_ray, tiny_model_dir, tmp_path, sandbox_tmp):
    """One worker runs a fast sweep, then a slow one; killed during the slow one's second level, the fast
    sweep's rows stay, so does the slow sweep's finished first level (stored as it was scored, issue 20
    item 12), and only its unfinished level ends killed (no worker is left to run it), for ``--retry killed``."""
    fast, slow = tmp_path / "fast.py", tmp_path / "slow.py"
    fast.write_text(SLOW_PRUNER.replace("sparsity > 0.5", "False"))
    slow.write_text(SLOW_PRUNER)
    cfg = _config(tmp_path, tiny_model_dir, tmp_path / "ray", "run.executor=ray", "run.workers=1",
                  "references.methods=[]", "sparsity.levels=[0.3, 0.6]")
    from harness.run import pipeline

    def cand(name, path):
        return CandidateRecord(name, name, "test", 0, "ok", path=str(path))

    real = pipeline.generate_candidates
    pipeline.generate_candidates = lambda *a, **k: [cand("fast", fast), cand("slow", slow)]
    killer = threading.Thread(target=_kill_after_rows, args=(tmp_path / "ray" / "results.sqlite", "fast"), daemon=True)
    killer.start()
    try:
        run_dir = run(cfg, echo=lambda *_: None)
    finally:
        pipeline.generate_candidates = real
    rows = _rows(run_dir)
    assert [rows[("candidate", "fast", s)].status for s in (0.3, 0.6)] == ["ok", "ok"]
    finished = rows[("candidate", "slow", 0.3)]
    assert finished.status == "ok" and finished.perplexity == rows[("candidate", "fast", 0.3)].perplexity
    assert rows[("candidate", "slow", 0.6)].status == "killed"
    assert "no Ray worker left" in rows[("candidate", "slow", 0.6)].detail
    assert len([k for k in rows if k[0] == "candidate"]) == 4   # (the forms' reference rows are beside them)


def _kill_after_rows(db: Path, method: str, then: str = "slow") -> None:
    """Kill the worker once ``method`` has both rows and ``then`` its first (or 30 s later: a harness that
    stores a sweep's levels only at its end never writes it before the kill)."""
    def rows(name: str) -> int:
        if not db.is_file():
            return 0
        with ResultsStore(db) as store:
            return len([r for r in store.rows() if r.method == name])

    deadline = time.time() + 300
    while time.time() < deadline and rows(method) < 2:
        time.sleep(0.5)
    deadline = time.time() + 30
    while time.time() < deadline and rows(then) < 1:
        time.sleep(0.5)
    time.sleep(3)   # the slow sweep is now in its 60 s level
    ray.kill(ray.get_actor("prunegen-worker-0"))


def test_two_nodes_and_a_node_removed_mid_run(tiny_model_dir, tmp_path, sandbox_tmp, caplog):
    """ray.cluster_utils.Cluster: two nodes on this machine, one worker each. Removing the second node while
    both sweeps sleep in their second level loses nothing: its sweep is run again by the head's worker."""
    from ray.cluster_utils import Cluster

    if ray.is_initialized():
        ray.shutdown()
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    second = cluster.add_node(num_cpus=1)
    ray.init(address=cluster.address, log_to_driver=False)
    try:
        a, b = tmp_path / "a.py", tmp_path / "b.py"
        for p in (a, b):
            p.write_text(SLOW_PRUNER.replace("time.sleep(60)", "time.sleep(20)"))
        cfg = _config(tmp_path, tiny_model_dir, tmp_path / "ray", "run.executor=ray", "run.workers=2",
                      "references.methods=[]", "sparsity.levels=[0.3, 0.6]", f'run.ray_address="{cluster.address}"')
        from harness.run import pipeline

        real = pipeline.generate_candidates
        pipeline.generate_candidates = lambda *a_, **k: [CandidateRecord(n, n, "test", 0, "ok", path=str(p))
                                                         for n, p in (("a", a), ("b", b))]
        # Once both workers are up (the driver says so before handing out sweeps), both sweeps reach their
        # 20 s level within seconds: removing the node 5 s later lands inside it, however slow the start.
        remover = threading.Timer(5.0, lambda: cluster.remove_node(second))

        def echo(msg):
            if isinstance(msg, str) and msg.startswith("ray: 2 workers on 2 node(s)"):
                remover.start()

        try:
            run_dir = run(cfg, echo=echo)
        finally:
            pipeline.generate_candidates = real
            remover.cancel()
        rows = _rows(run_dir)
        assert {k: r.status for k, r in rows.items() if k[0] == "candidate"} == {
            ("candidate", n, s): "ok" for n in "ab" for s in (0.3, 0.6)}
        nodes = {r.extra["node"] for k, r in rows.items() if k[0] == "candidate"}
        assert nodes == {ray.get_runtime_context().get_node_id()}   # all stored rows came from the surviving head
        assert any("worker died during" in r.getMessage() for r in caplog.records)   # the removal hit a sweep
    finally:
        ray.shutdown()
        cluster.shutdown()
