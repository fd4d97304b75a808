"""A run that cannot work stops in seconds, before the first model call, listing every problem."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from harness.run.config import (CalibrationConfig, EvalConfig, ExperimentConfig, GenerationConfig, GeneratorConfig,
                            ModelConfig, RunConfig)
from harness.run.pipeline import run
from harness.run.preflight import PreflightError, check
from harness.run.store import CandidateRecord, ResultsStore

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
    p = subprocess.run([sys.executable, "-m", "harness.cli.main", "run", str(config)], capture_output=True, text=True,
                       env=env, timeout=120)
    assert p.returncode == 2 and time.perf_counter() - t0 < 60
    assert "prunegen run: error: the run cannot start:" in p.stderr
    assert "no Docker engine answers" in p.stderr and "no-such-model-xyz" in p.stderr


# -- generators: a real reply before the first idea ------------------------------------------------
def test_a_dead_base_url_stops_the_run_in_seconds(cfg):
    """Nothing listens at the generator's base_url: one models request says so, before any idea or model."""
    from harness.run.generator_check import GeneratorUnavailable

    t0 = time.perf_counter()
    with pytest.raises(GeneratorUnavailable, match=r"openai-compatible:m: http://127\.0\.0\.1:9/v1 did not answer"):
        run(cfg, echo=lambda *_: None)
    assert time.perf_counter() - t0 < 15
    with ResultsStore(Path(cfg.run.out) / "results.sqlite") as store:
        assert store.candidates() == [] and store.rows() == []


def test_the_cli_exits_nonzero_for_a_dead_generator(cfg, tmp_path):
    config = tmp_path / "dead.toml"
    config.write_text(f'[run]\nout = "{tmp_path / "run"}"\n[model]\nspecs = ["{cfg.model.specs[0]}"]\n'
                      f'[eval]\nsource = "{cfg.eval.source}"\nseqlen = 32\nmax_windows = 1\n'
                      f'[calibration]\nsource = "{cfg.calibration.source}"\nnsamples = 2\nseqlen = 32\n'
                      '[sandbox]\nbackend = "process"\n[generation]\nideas = ["l1-norm"]\n'
                      '[[generation.generators]]\nprovider = "openai-compatible"\nmodel = "m"\n'
                      'base_url = "http://127.0.0.1:9/v1"\n')
    p = subprocess.run([sys.executable, "-m", "harness.cli.main", "run", str(config)], capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)
    assert p.returncode == 3, p.stderr[-2000:]
    assert "no engine of these generators answers" in p.stderr and "127.0.0.1:9" in p.stderr


class ServerDiesAtFirstPromptStandIn:
    """Stands in for llama.cpp on a host that advertises AMX without granting it (none exists here):
    the server starts and lists its model, then faults at the first completion."""

    kind, engine, model = "local", "llama.cpp", "stand-in"

    def __init__(self):
        self.closed = False

    def identity(self):
        return {"kind": "local", "engine": "llama.cpp"}

    def probe(self):
        from harness.llm.base import GenerationError
        raise GenerationError("Connection error. (the llama.cpp server had crashed: general protection fault)")

    def close(self):
        self.closed = True


def test_a_llama_cpp_server_that_dies_falls_back_to_transformers(tiny_model_dir, tmp_path):
    """The generator is swapped for the same model on transformers (a real one, which answers), and the
    run's store carries a note that the report prints at its top."""
    from harness.run.generator_check import check_generators, record_outcomes
    from harness.llm.base import GenerationParams
    from harness.llm.local import LocalProvider
    from harness.report import build_report

    dying = ServerDiesAtFirstPromptStandIn()
    params = GenerationParams()
    generators = {"local:coder": (dying, params)}
    configs = {"local:coder": GeneratorConfig(provider="local", model=str(tiny_model_dir))}
    built = []

    def fallback(g):
        built.append(g)
        return LocalProvider(g.model), params

    said = []
    outcomes = check_generators(generators, configs, fallback, said.append)
    assert dying.closed and len(built) == 1
    assert isinstance(generators["local:coder"][0], LocalProvider)
    assert outcomes[0].engine == "transformers" and outcomes[0].fallback_from == "llama.cpp"
    assert "falling back to the transformers engine" in said[0] and "general protection fault" in said[0]
    with ResultsStore(tmp_path / "results.sqlite") as store:
        record_outcomes(store, outcomes)
        out = build_report(store, tmp_path / "report")
    md = (out / "report.md").read_text()
    head = md[:md.index("\n## ")] if "\n## " in md else md
    assert "Read this first" in head and "ran on the transformers engine, not llama.cpp" in head


def test_no_engine_at_all_stops_with_both_reasons(tiny_model_dir):
    from harness.run.generator_check import GeneratorUnavailable, check_generators
    from harness.llm.base import GenerationParams

    class NoModelStandIn:   # a transformers engine that cannot load the model either
        def probe(self):
            from harness.llm.base import GenerationError
            raise GenerationError("transformers engine for x: OSError: no such file")

    generators = {"local:coder": (ServerDiesAtFirstPromptStandIn(), GenerationParams())}
    configs = {"local:coder": GeneratorConfig(provider="local", model="x")}
    with pytest.raises(GeneratorUnavailable, match="llama.cpp failed .*and transformers failed .*no such file"):
        check_generators(generators, configs, lambda g: (NoModelStandIn(), GenerationParams()), lambda *_: None)


# -- after generation: no program is a failed run ----------------------------------------------------
def _cand(generator, status, path=None, round_=0):
    return CandidateRecord("i/m/sample-0", "i", generator, 0, status, detail="Connection error.", path=path,
                           round=round_)


def test_generation_failures_name_an_empty_machine_side():
    from harness.run.generator_check import generation_failures

    gens = ["a", "b"]
    ok = [_cand("a", "ok", "x.py"), _cand("b", "no-code")]
    assert generation_failures(ok, gens) == []
    nothing = [_cand("a", "no-code"), _cand("b", "syntax-error")]
    [sentence] = generation_failures(nothing, gens)
    assert sentence.startswith("Generation produced no program at all: none of the 2 replies")
    dead_b = [_cand("a", "ok", "x.py"), _cand("b", "generation-error"), _cand("b", "generation-error")]
    [sentence] = generation_failures(dead_b, gens)
    assert sentence.startswith("Generator b failed every one of its 2 calls")
    # a repair that has code does not hide a one-pass side that had none
    assert generation_failures([*nothing, _cand("a", "ok", "r.py", round_=1)], gens)
    assert generation_failures([], gens) == []   # a references-only run


def test_a_run_whose_generator_writes_no_code_exits_3_and_says_so_at_the_top(cfg, tmp_path):
    """A real loopback server that answers every idea with prose: the references are scored, the report is
    written, and it and the exit status say the machine side is empty."""
    from fake_openai import FakeOpenAI

    with FakeOpenAI() as server:
        server.script = [("ok", "Pruning removes small weights. I hope this helps!")]
        config = tmp_path / "prose.toml"
        config.write_text(f'[run]\nout = "{tmp_path / "run"}"\n[model]\nspecs = ["{cfg.model.specs[0]}"]\n'
                          f'[eval]\nsource = "{cfg.eval.source}"\nseqlen = 32\nmax_windows = 1\n'
                          f'[calibration]\nsource = "{cfg.calibration.source}"\nnsamples = 2\nseqlen = 32\n'
                          '[sparsity]\nlevels = [0.5]\n[references]\nmethods = ["magnitude"]\n'
                          '[sandbox]\nbackend = "process"\n[generation]\nideas = ["l1-norm", "random"]\n'
                          '[[generation.generators]]\nprovider = "openai-compatible"\nmodel = "m"\n'
                          f'base_url = "{server.base_url}"\n')
        p = subprocess.run([sys.executable, "-m", "harness.cli.main", "run", str(config)], capture_output=True,
                           text=True, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=600)
        assert server.gets and server.gets[0].endswith("/models")
    assert p.returncode == 3, p.stderr[-3000:]
    assert "Generation produced no program at all: none of the 2 replies held code that parses (2 no-code)" in p.stderr
    md = (tmp_path / "run" / "report" / "report.md").read_text()
    assert "Read this first" in md[:md.index("\n## ")]
    assert "Generation produced no program at all" in md[:md.index("\n## ")]
    with ResultsStore(tmp_path / "run" / "results.sqlite") as store:
        assert {r.method for r in store.rows(kind="reference")} == {"magnitude"}


def test_the_configs_note_is_the_reports_first_line(cfg):
    """[run] note (the demo's smoke-scale warning) reaches the top of the report, before any table; a rerun
    without it takes it away."""
    from harness.run.config import ReferencesConfig
    from harness.cli.run import write_report

    quiet = replace(cfg, generation=GenerationConfig(ideas=()), references=ReferencesConfig(methods=()),
                    run=replace(cfg.run, note="A smoke-scale run: full-scale numbers are elsewhere."))
    run_dir = run(quiet, echo=lambda *_: None, report=write_report)
    md = (run_dir / "report" / "report.md").read_text()
    assert "Read this first" in md and md.index("A smoke-scale run") < md.index("\n## ")
    run(replace(quiet, run=replace(quiet.run, note="")), echo=lambda *_: None, report=write_report)
    assert "A smoke-scale run" not in (run_dir / "report" / "report.md").read_text()


def test_the_default_config_says_it_is_smoke_scale():
    from harness.run.config import load_config

    note = load_config(REPO / "configs" / "default.toml").run.note
    assert note.startswith("A smoke-scale run") and "bench/results/demo-scale-h200.md" in note
    assert all((REPO / p).is_file() for p in re.findall(r"bench/results/[\w.-]+\.(?:md|txt)", note))
