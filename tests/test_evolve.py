"""Evolution (harness/run/evolve.py): program identity, the population, fitness, and a run end to end.

The end-to-end runs use the tiny sandbox Llama and a text file. The held-out slice for a ``text:``
evaluation source is the windows right after the reported ones (eval.max_windows = 2, so windows 2-3).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from harness.run.evolve import (Fitness, LevelScore, Program, ProgramsDatabase, fitness_from_levels,
                            normalised_ast_hash, program_code)
from harness.run.store import CandidateRecord, FitnessRow, ResultsStore

BASE = '''
import torch

def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    for layer in layers.values():
        w = layer.weight.data
        k = int(round(w.numel() * sparsity))
        if k:
            w.view(-1)[torch.topk(w.abs().flatten(), k, largest=False).indices] = 0
'''

COSMETIC = '''"""Magnitude pruning: a module docstring the model likes to add."""
import torch   # the only import


def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    """Zero the smallest weights of each layer."""
    for lin in layers.values():            # renamed loop variable
        weights = lin.weight.data
        # how many to remove
        count = int(round(weights.numel() * sparsity))
        if count:
            weights.view(-1)[torch.topk(weights.abs().flatten(), count, largest=False).indices] = 0
'''

REAL_CHANGE = BASE.replace("largest=False", "largest=True")


# --------------------------------------------------------------------------------------------- hash

def test_hash_ignores_comments_whitespace_docstrings_and_local_names():
    assert normalised_ast_hash(BASE) == normalised_ast_hash(COSMETIC)
    assert normalised_ast_hash(BASE) == normalised_ast_hash("# header\n\n" + BASE + "\n\n\n")


def test_hash_sees_real_changes():
    assert normalised_ast_hash(BASE) != normalised_ast_hash(REAL_CHANGE)
    # Parameter names are the interface (passed by keyword): renaming one is a different program.
    assert normalised_ast_hash(BASE) != normalised_ast_hash(BASE.replace("layers", "modules"))
    # A constant, an attribute or a global is not a local name.
    assert normalised_ast_hash(BASE) != normalised_ast_hash(BASE.replace("round(", "int("))
    assert normalised_ast_hash(BASE) != normalised_ast_hash(BASE.replace(".data", ".grad"))


def test_hash_of_unparsable_code_is_stable():
    bad = "def prune(:\n    pass"
    assert normalised_ast_hash(bad) == normalised_ast_hash(bad + "\n")
    assert normalised_ast_hash(bad) != normalised_ast_hash(BASE)


def test_program_code_strips_the_provenance_header():
    text = "# prunegen candidate: machine-written\n# idea: x\n\nimport torch\n"
    assert program_code(text) == "import torch\n"
    assert program_code("import torch\n") == "import torch\n"


# ------------------------------------------------------------------------------------------ fitness

def test_fitness_is_mean_log_perplexity_and_inf_on_failure():
    f = fitness_from_levels([LevelScore(0.5, "ok", 10.0), LevelScore(0.7, "ok", 1000.0)])
    assert f.ok and f.status == "ok" and f.value == pytest.approx((math.log(10) + math.log(1000)) / 2)
    bad = fitness_from_levels([LevelScore(0.5, "runtime-error", None, "boom"), LevelScore(0.7, "skipped", None)])
    assert bad.value == math.inf and bad.status == "runtime-error" and not bad.ok
    nan = fitness_from_levels([LevelScore(0.5, "ok", float("nan"))])
    assert nan.value == math.inf and nan.status == "non-finite"
    assert Fitness.from_row(FitnessRow("p", "s", None, None, "timeout", [], 0.0)).value == math.inf


def test_heldout_windows_never_touch_the_reported_ones(tiny_tokenizer, text_file, data_dir):
    from harness.run.config import EvalConfig, EvolutionConfig
    from harness.core.evaluate import EvalSetup, eval_windows
    from harness.core.data import eval_text
    from harness.run.evolve import heldout_windows

    evo = EvolutionConfig(fitness_windows=3)
    # WikiText-2: the validation file, while the report scores the test file.
    w, desc = heldout_windows(tiny_tokenizer, EvalConfig(source="wikitext2", seqlen=64, max_windows=2), evo)
    assert tuple(w.shape) == (3, 64) and desc["source"] == "wikitext2:validation" and desc["first_window"] == 0
    # A text file: the windows right after the max_windows reported ones.
    ecfg = EvalConfig(source=f"text:{text_file}", seqlen=64, max_windows=2)
    w, desc = heldout_windows(tiny_tokenizer, ecfg, evo)
    every = eval_windows(tiny_tokenizer, eval_text(ecfg.source), EvalSetup(ecfg.source, 64, None))
    assert desc["first_window"] == 2 and (w == every[2:5]).all()
    with pytest.raises(ValueError, match="needs 3 after"):
        heldout_windows(tiny_tokenizer, EvalConfig(source=f"text:{text_file}", seqlen=64,
                                                   max_windows=every.shape[0] - 1), evo)
    with pytest.raises(ValueError, match="evaluation text itself"):
        heldout_windows(tiny_tokenizer, ecfg, EvolutionConfig(heldout_source=ecfg.source))


# ----------------------------------------------------------------------------------------- database

def _prog(pid: str, value: float, h: str | None = None) -> Program:
    return Program(pid, "code", h or pid, Fitness(value, "ok" if math.isfinite(value) else "runtime-error", ()), 0,
                   f"{pid}.py")


def test_database_keeps_the_best_and_dedups():
    db = ProgramsDatabase(2)
    assert db.best() is None and db.top(3) == []
    assert db.add(_prog("a", 3.0))
    assert db.add(_prog("failing", math.inf))
    assert db.add(_prog("b", 2.0))
    assert [p.id for p in db.top(5)] == ["b", "a"]          # the failing one was evicted
    assert not db.add(_prog("b-again", 1.0, h="b"))          # same hash: not added, even if "better"
    assert db.duplicate_of("b") == "b"
    assert not db.add(_prog("failing-again", 1.0, h="failing"))  # evicted hashes stay known
    assert db.add(_prog("c", 2.0))                           # a tie keeps the earlier program first
    assert [p.id for p in db.top(2)] == ["b", "c"] and len(db) == 2
    assert db.best().id == "b"


# ------------------------------------------------------------------------------------- end to end

def fenced(code: str, prose: str = "Here is the program:") -> str:
    return f"{prose}\n```python\n{code.strip()}\n```\n"


RANDOM = '''
import torch

def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    g = torch.Generator().manual_seed(0)
    for layer in layers.values():
        w = layer.weight.data
        k = int(round(w.numel() * sparsity))
        if k:
            w.view(-1)[torch.randperm(w.numel(), generator=g)[:k]] = 0
'''
# The seed prunes the LARGEST weights (REAL_CHANGE): on the tiny model magnitude (BASE) beats it on the
# held-out windows, so generation 1 improves; seeded random pruning (RANDOM) happens to beat both.
SEED = REAL_CHANGE
SEED_RESTYLED = '"""Largest-first, restyled."""\n' + SEED.replace("w = ", "weight = ").replace("w.", "weight.")
CRASHES = '''
def prune(model, sparsity, calib, *, pattern="unstructured", device="cpu", layers=None):
    raise RuntimeError("the improved version diverged")
'''
PROSE = "I would try a cleverer criterion, but I am not sure which."

# What the scripted server answers, in the order the run asks: the pipeline's one-pass sample, then
# evolution's 2 generations x 2 children, then best-of-N (5 calls; the last answer repeats).
SCRIPT = [fenced(SEED),                                  # one-pass = evolution's seed (generation 0)
          fenced(BASE), fenced(COSMETIC),               # generation 1: magnitude, then a restyled duplicate
          fenced(CRASHES), PROSE,                       # generation 2: a runtime error, then no code
          fenced(SEED_RESTYLED), fenced(RANDOM)]        # best-of-N: the seed restyled, then random x4
LEVELS = (0.5, 0.7)


def write_config(tmp: Path, model_dir: Path, text: Path, out: Path, generator: str) -> Path:
    cfg = tmp / f"{out.name}.toml"
    cfg.write_text(f"""
[run]
name = "tiny evolution"
out = "{out}"
[model]
specs = ["{model_dir}"]
[eval]
source = "text:{text}"
seqlen = 32
max_windows = 2
prompt = ""
[calibration]
source = "text:{text}"
nsamples = 4
seqlen = 32
[sparsity]
levels = {list(LEVELS)}
[generation]
ideas = ["l1-norm"]
samples = 1
{generator}
[sandbox]
timeout_s = 120
memory = "2g"
[references]
methods = ["magnitude", "wanda", "sparsegpt"]
[evolution]
enabled = true
generations = 2
population = 3
top_k = 2
children_per_generation = 2
fitness_levels = {list(LEVELS)}
fitness_windows = 2
""")
    return cfg


def server_generator(base_url: str) -> str:
    return f"""[[generation.generators]]
provider = "openai-compatible"
base_url = "{base_url}"
model = "fake-model"
temperature = 0.8
max_tokens = 800
concurrency = 1
"""


@pytest.fixture(scope="module")
def evolved(tiny_model_dir, tmp_path_factory, sandbox_tmp, corpus):
    """One evolution run against the scripted local OpenAI-compatible server; then the same config again."""
    from fake_openai import FakeOpenAI

    from harness.run.config import load_config
    from harness.run.pipeline import run
    from harness.cli.run import write_report

    tmp = tmp_path_factory.mktemp("evolve")
    text = tmp / "text.txt"
    text.write_text(corpus[:20_000], encoding="utf-8")
    with FakeOpenAI() as server:
        server.script = [("ok", t) for t in SCRIPT]
        cfg_path = write_config(tmp, tiny_model_dir, text, tmp / "run", server_generator(server.base_url))
        run_dir = run(load_config(cfg_path), echo=lambda *_: None, report=write_report)
        first_requests = len(server.requests)
        before = _snapshot(run_dir)
        run(load_config(cfg_path), echo=lambda *_: None)   # a rerun: everything is known
        rerun_requests = len(server.requests) - first_requests
        after = _snapshot(run_dir)
    return {"tmp": tmp, "text": text, "run_dir": run_dir, "requests": first_requests, "rerun_requests": rerun_requests,
            "before": before, "after": after, "model_dir": tiny_model_dir}


def _snapshot(run_dir: Path) -> dict:
    """Every fitness row and job with the time it was written: a rerun that redoes nothing leaves it equal."""
    with ResultsStore(run_dir / "results.sqlite") as store:
        rows = store._db.execute("SELECT program, fitness, finished_at FROM fitness")
        return {"fitness": {r[0]: tuple(r) for r in rows},
                "jobs": dict(store._db.execute("SELECT key, finished_at FROM jobs").fetchall())}


def _summary(run_dir: Path) -> dict:
    with ResultsStore(run_dir / "results.sqlite") as store:
        (summary,) = store.evolution()
    return summary


def _programs(run_dir: Path) -> dict[str, CandidateRecord]:
    with ResultsStore(run_dir / "results.sqlite") as store:
        return {c.id: c for c in store.candidates() if c.extra.get("mode")}


def test_generations_are_recorded_with_parents_and_fitness(evolved):
    progs = _programs(evolved["run_dir"])
    evo = {k: c for k, c in progs.items() if c.extra["mode"] == "evolve"}
    assert sorted(c.round for c in evo.values()) == [1, 1, 2, 2]
    with ResultsStore(evolved["run_dir"] / "results.sqlite") as store:
        (seed,) = [c for c in store.candidates(round=0) if not c.extra.get("mode")]
    g1 = {c.sample: c for c in evo.values() if c.round == 1}
    g2 = {c.sample: c for c in evo.values() if c.round == 2}
    assert {c.parent for c in g1.values()} == {seed.id}          # generation 1 was prompted with the seed
    magnitude = g1[0]
    assert magnitude.extra["fitness"] is not None and magnitude.extra["fitness_status"] == "ok"
    assert [s["level"] for s in magnitude.extra["heldout"]] == list(LEVELS)
    assert magnitude.extra["ast_hash"] == normalised_ast_hash(BASE)
    assert g2[2].extra["fitness"] is None and g2[2].extra["fitness_status"] == "runtime-error"
    assert g2[3].status == "no-code" and "fitness" not in g2[3].extra
    # Magnitude beat the seed, so it is the best program after generation 1: generation 2's parent.
    assert {c.parent for c in g2.values()} == {magnitude.id}


def test_a_restyled_duplicate_is_not_rerun(evolved):
    progs = _programs(evolved["run_dir"])
    g1 = {c.sample: c for c in progs.values() if c.extra["mode"] == "evolve" and c.round == 1}
    assert g1[1].extra["duplicate_of"] == g1[0].id
    assert g1[1].extra["ast_hash"] == g1[0].extra["ast_hash"]
    with ResultsStore(evolved["run_dir"] / "results.sqlite") as store:
        ran = {r[0] for r in store._db.execute("SELECT program FROM fitness")}
    assert g1[1].id not in ran
    assert _summary(evolved["run_dir"])["evolution"]["duplicates"] == 1


def test_best_fitness_never_gets_worse(evolved):
    history = [math.inf if v is None else v for v in _summary(evolved["run_dir"])["evolution"]["history"]]
    assert len(history) == 3   # seeds + 2 generations
    assert all(b <= a for a, b in zip(history, history[1:]))
    assert history[1] < history[0]     # generation 1's magnitude beat the largest-first seed
    best = _summary(evolved["run_dir"])["evolution"]["best"]
    assert best["fitness"] == pytest.approx(history[-1])


def test_best_of_n_spends_the_same_llm_calls(evolved):
    s = _summary(evolved["run_dir"])
    assert s["evolution"]["calls"] == 1 + 2 * 2 == s["best_of_n"]["calls"]
    assert evolved["requests"] == 1 + 4 + 5   # every call reached the server exactly once
    bon = [c for c in _programs(evolved["run_dir"]).values() if c.extra["mode"] == "best-of-n"]
    assert sorted(c.sample for c in bon) == [1000, 1001, 1002, 1003, 1004]
    assert all(c.round == 0 and c.parent is None for c in bon)
    # The restyled seed was recognised by its hash: its fitness is the seed's, not a second sandbox run.
    restyled = next(c for c in bon if c.sample == 1000)
    assert restyled.extra["ast_hash"] == normalised_ast_hash(SEED)
    setup = restyled.extra["fitness_setup"]
    with ResultsStore(evolved["run_dir"] / "results.sqlite") as store:
        (seed,) = [c for c in store.candidates(round=0) if not c.extra.get("mode")]
        same = store.fitness(setup, program=seed.id).fitness
        assert store.fitness(setup, program=restyled.id).fitness == same


def test_best_programs_are_scored_on_the_test_windows(evolved):
    s = _summary(evolved["run_dir"])
    with ResultsStore(evolved["run_dir"] / "results.sqlite") as store:
        jobs = {(r.method, r.sparsity): r for r in store.rows(kind="candidate")}
        fitness = {r[0] for r in store._db.execute("SELECT program FROM fitness")}
    for arm in ("evolution", "best_of_n"):
        best = s[arm]["best"]
        for lv in LEVELS:
            j = jobs[(best["id"], lv)]
            assert j.status == "ok" and j.perplexity > 0
            held = next(x for x in best["levels"] if x["level"] == lv)["perplexity"]
            assert j.perplexity != pytest.approx(held, rel=1e-9)   # different windows, different number
    # The held-out slice: the two windows after the two reported ones.
    assert s["heldout"]["first_window"] == 2 and s["heldout"]["windows"] == 2 and s["heldout"]["seqlen"] == 32
    assert set(s["humans"]) == {"wanda", "sparsegpt"}
    assert all(h["status"] == "ok" for h in s["humans"].values())
    assert {"reference:wanda", "reference:sparsegpt"} <= fitness


def test_rerun_makes_no_llm_call_and_runs_nothing_again(evolved):
    assert evolved["rerun_requests"] == 0
    assert evolved["after"] == evolved["before"]


def test_report_has_the_evolution_section_without_blank_cells(evolved):
    import pandas as pd

    report = (evolved["run_dir"] / "report" / "report.md").read_text()
    assert "Table 10 (extra): Evolution vs best-of-N vs human methods" in report
    assert "Table 10b" in report and "figure5.png" in report
    t10 = pd.read_csv(evolved["run_dir"] / "report" / "table10.csv", dtype=str, keep_default_na=False)
    assert list(t10["Arm"]) == ["evolution", "best-of-N", "Wanda", "SparseGPT"]
    assert not (t10.map(lambda v: v.strip() in ("", "nan", "None", "NA"))).any().any()
    s = _summary(evolved["run_dir"])
    assert t10.loc[0, "LLM calls"] == t10.loc[1, "LLM calls"] == "5"
    assert t10.loc[0, "Held-out fitness"] == f"{s['evolution']['best']['fitness']:.4f}"
    t10b = pd.read_csv(evolved["run_dir"] / "report" / "table10b.csv", dtype=str, keep_default_na=False)
    (verdict,) = t10b["Verdict"]
    # A child or sample counts only where its held-out model is no worse than a uniform guess over the tiny
    # model's 256 ids (its dense model is just below that): the verdict follows from what the store holds.
    from harness.report.programs import worse_than_uniform
    with ResultsStore(evolved["run_dir"] / "results.sqlite") as store:
        (dense,) = store.rows(kind="dense")
    counted = [c for c in _programs(evolved["run_dir"]).values()
               if c.extra.get("mode") in ("evolve", "best-of-n") and (c.extra["mode"] != "evolve" or c.round >= 1)
               and not c.extra.get("duplicate_of") and c.extra.get("fitness") is not None
               and not any(lv["status"] == "ok" and worse_than_uniform(lv["perplexity"], 256, dense.perplexity)
                           for lv in c.extra.get("heldout") or [])]
    if counted:
        assert verdict.startswith(("evolution better than best-of-N at equal LLM calls (5)",
                                   "evolution not better than best-of-N at equal LLM calls (5)")), verdict
    else:
        assert verdict == ("neither an evolved child nor a best-of-N sample ran ok at every fitness level "
                           "at equal LLM calls (5)"), verdict
    # Evolution's programs are not one-pass programs: Table 4 still lists only the pipeline's sample.
    t4 = pd.read_csv(evolved["run_dir"] / "report" / "table4.csv", dtype=str, keep_default_na=False)
    assert len(t4) == 1


def test_replay_reproduces_the_evolution_from_the_runs_one_cassette(evolved, tmp_path):
    """Replay works for evolution too, from the run's one cassette: the prompts carry rounded scores, which a
    rerun reproduces."""
    from harness.run.config import load_config
    from harness.run.pipeline import run

    first = evolved["run_dir"]
    cassette = first / "candidates" / "cassette.jsonl"
    turns = {(t["purpose"], t["prompt_hash"], t["sample_index"])
             for t in map(json.loads, cassette.read_text().splitlines())}   # a rerun's cache hits may repeat one
    purposes = [purpose for purpose, _, _ in turns]
    assert purposes.count("generation") == 1 and purposes.count("evolution") == 9   # 4 children + 5 best-of-N
    assert not (first / "evolution" / "cassette.jsonl").exists()
    generator = f"""[[generation.generators]]
provider = "replay"
model = "fake-model"
cassette = "{cassette}"
temperature = 0.8
max_tokens = 800
concurrency = 1
"""
    cfg = write_config(tmp_path, evolved["model_dir"], evolved["text"], tmp_path / "replayed", generator)
    second = run(load_config(cfg), echo=lambda *_: None)
    a, b = _summary(first), _summary(second)
    for arm in ("evolution", "best_of_n"):
        assert b[arm]["calls"] == a[arm]["calls"] and b[arm]["history"] == pytest.approx(a[arm]["history"])
        assert b[arm]["best"]["ast_hash"] == a[arm]["best"]["ast_hash"]
    hashes = lambda d: sorted((c.round, c.sample, c.extra.get("ast_hash") or "")  # noqa: E731
                              for c in _programs(d).values())
    assert hashes(second) == hashes(first)


def test_verdict_lines():
    from harness.report import evolution_verdict

    def arm(calls, fitness):
        return {"calls": calls, "best": None if fitness is None else {"fitness": fitness}}
    assert evolution_verdict(arm(5, 1.0), arm(5, 2.0), 3.0, 4.0).startswith(
        "evolution better than best-of-N at equal LLM calls (5): test mean log-ppl 3.0000 vs 4.0000")
    assert evolution_verdict(arm(5, 1.0), arm(5, 2.0), 4.0, 3.0).startswith("evolution not better")
    assert "tie" in evolution_verdict(arm(5, 1.0), arm(5, 1.0), 3.0, 3.0)
    assert "held-out fitness" in evolution_verdict(arm(5, 1.0), arm(5, 2.0), None, None)
    assert "unequal LLM calls (5 vs 4)" in evolution_verdict(arm(5, 1.0), arm(4, 2.0), 3.0, 4.0)
    assert evolution_verdict(arm(5, None), arm(5, None), None, None).startswith("neither arm")
    assert evolution_verdict(arm(5, 1.0), None, 3.0, None).startswith("no best-of-N control")
    assert evolution_verdict(arm(5, None), arm(5, 2.0), None, 3.0).startswith("evolution not better")
