"""A run that cannot work stops in seconds, before the first model call, listing every problem."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from harness.config import (CalibrationConfig, EvalConfig, ExperimentConfig, GenerationConfig, GeneratorConfig,
                            ModelConfig, RunConfig)
from harness.pipeline import run
from harness.preflight import PreflightError, check

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def cfg(tmp_path, tiny_model_dir, text_file) -> ExperimentConfig:
    """A config that passes every check (process sandbox: this test needs no engine)."""
    base = ExperimentConfig()
    return replace(base, run=RunConfig(out=str(tmp_path / "run")), model=ModelConfig(specs=(str(tiny_model_dir),)),
                   eval=EvalConfig(source=f"text:{text_file}", seqlen=32, max_windows=1),
                   calibration=CalibrationConfig(source=f"text:{text_file}", nsamples=2, seqlen=32),
                   generation=GenerationConfig(ideas=("l1-norm",), generators=(GeneratorConfig(
                       provider="openai-compatible", model="m", base_url="http://127.0.0.1:9/v1"),)),
                   sandbox=replace(base.sandbox, backend="process"))


def test_a_sound_config_passes(cfg):
    assert check(cfg) == []


def test_every_problem_is_listed_at_once(cfg, tmp_path, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    blocked = tmp_path / "blocked"
    blocked.write_text("a file, so no folder can be made under it")
    bad = replace(cfg, run=RunConfig(out=str(blocked / "run")), sandbox=replace(cfg.sandbox, backend="docker"),
                  model=ModelConfig(specs=("no-such-model-xyz",)),
                  eval=replace(cfg.eval, source=f"text:{tmp_path / 'missing.txt'}"),
                  generation=GenerationConfig(ideas=("l1-norm",), generators=(GeneratorConfig(
                      provider="local", model="qwen2.5-coder-1.5b", engine="warp"),)))
    problems = check(bad)
    text = "\n".join(problems)
    assert "is not writable" in text
    assert "no Docker engine answers" in text and "start-docker" in text
    assert "evaluation text" in text and "missing.txt" in text
    assert "model pruned: cannot resolve model spec 'no-such-model-xyz'" in text
    assert "local engine must be one of" in text
    assert len(problems) == 5


def test_the_run_stops_before_any_generation(cfg, monkeypatch):
    """No engine: the run fails within seconds and never calls the generator (its server does not exist)."""
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    docker_cfg = replace(cfg, sandbox=replace(cfg.sandbox, backend="docker"))
    t0 = time.perf_counter()
    with pytest.raises(PreflightError, match="no Docker engine answers"):
        run(docker_cfg, echo=lambda *_: None)
    assert time.perf_counter() - t0 < 10
    assert not (Path(cfg.run.out) / "candidates").exists() and not (Path(cfg.run.out) / "results.sqlite").exists()


def test_the_cli_says_what_to_do_in_one_message(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text(f'[run]\nout = "{tmp_path / "run"}"\n[model]\nspecs = ["no-such-model-xyz"]\n'
                      '[generation]\nideas = []\n')
    env = {**os.environ, "DOCKER_HOST": "unix:///nonexistent/docker.sock", "PYTHONPATH": str(REPO)}
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "harness.cli", "run", str(config)], capture_output=True, text=True,
                       env=env, timeout=120)
    assert p.returncode == 2 and time.perf_counter() - t0 < 60
    assert "prunegen run: error: the run cannot start:" in p.stderr
    assert "no Docker engine answers" in p.stderr and "no-such-model-xyz" in p.stderr
