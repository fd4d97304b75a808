"""The experiment config: one TOML file describes a whole run (see configs/default.toml).

Each section is a frozen dataclass. Unknown keys, wrong types and impossible values are errors that
name the section and key, so a typo never silently falls back to a default.
"""

from __future__ import annotations

import dataclasses
import tomllib
import typing
from dataclasses import dataclass
from pathlib import Path

from harness.core.evaluate import EvalSetup

PAPER_LEVELS = (0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)


class ConfigError(ValueError):
    """The config file is wrong; the message says where."""


@dataclass(frozen=True)
class RunConfig:
    name: str = "run"
    out: str = "runs/run"         # run directory: results.sqlite, candidates/, logs/, report/
    workers: int = 1              # jobs in parallel; on a multi-GPU host, one per GPU
    gpus: tuple[int, ...] = ()    # GPU ids to pin workers to (CUDA_VISIBLE_DEVICES / device requests)
    executor: str = "local"       # local (threads on this host) | ray (actors on a Ray cluster)
    ray_address: str | None = None   # ray only: unset = an embedded local Ray; "auto" or "ray://host:10001"
    note: str = ""                # printed first in the report (e.g. "a smoke-scale run: full-scale numbers are ...")


@dataclass(frozen=True)
class ModelConfig:
    specs: tuple[str, ...] = ("smollm2-135m",)
    dtype: str = "float32"
    device: str = "cpu"


@dataclass(frozen=True)
class EvalConfig(EvalSetup):
    """How perplexity is measured (harness.core.evaluate.EvalSetup), plus Table 6's prompt."""
    prompt: str = "University is"   # Table 6's greedy continuation; "" to skip
    # lm-eval tasks each scored job is also scored on, zero-shot, in memory (harness/run/zeroshot.py), e.g.
    # ["wikitext", "boolq", "piqa"]; part of every job key when set. Empty: perplexity only.
    zero_shot: tuple[str, ...] = ()
    zero_shot_limit: float | None = None      # documents per task (a smoke test: the report says so); None: all
    zero_shot_batch_size: int = 1
    zero_shot_max_length: int | None = None   # lm-eval's window; None: the model's context


@dataclass(frozen=True)
class CalibrationConfig:
    """Wanda/SparseGPT defaults: 128 windows of 2048 tokens of C4, seed 0."""
    source: str = "c4"
    nsamples: int = 128
    seqlen: int = 2048
    seed: int = 0


@dataclass(frozen=True)
class SparsityConfig:
    levels: tuple[float, ...] = PAPER_LEVELS
    patterns: tuple[str, ...] = ("unstructured",)
    candidate_levels: tuple[float, ...] | None = None  # levels for generated candidates (default: levels)
    nm_level: float = 0.5                               # N:M patterns run at this one level


@dataclass(frozen=True)
class GeneratorConfig:
    provider: str = "local"            # openai | openai-compatible | local | replay
    model: str = "smollm2-135m"
    base_url: str | None = None
    api: str = "chat"                  # chat | responses
    api_key_env: str = "OPENAI_API_KEY"
    cassette: str | tuple[str, ...] | None = None  # replay provider: the run's cassette.jsonl (or several files:
                                                   # an old export's cassette.jsonl + evolution-cassette.jsonl)
    temperature: float | None = 0.0
    max_tokens: int = 1024
    reasoning_effort: str | None = None
    timeout_s: float = 120.0
    max_retries: int = 5
    concurrency: int = 4
    engine: str = "auto"               # local: auto | llama.cpp | transformers (auto: llama.cpp for GGUF models)
    threads: int | None = None         # local: CPU threads (None: the engine's default)
    form: str = "program"              # program (the whole prune) | score (score() in a fixed loop: harness/run/forms.py)


@dataclass(frozen=True)
class GenerationConfig:
    ideas: tuple[str, ...] = ("table4",)   # idea ids, or "table4" for the paper's ten, or "all"
    samples: int = 1
    repair_rounds: int = 0
    generators: tuple[GeneratorConfig, ...] = (GeneratorConfig(),)
    ideas_file: str | None = None          # extra ideas (TOML), merged over the built-in catalogue


@dataclass(frozen=True)
class SandboxConfig:
    backend: str = "docker"            # docker | process (weaker isolation, loudly labelled)
    timeout_s: float = 900.0
    memory: str = "8g"
    cpus: float = 2.0
    pids: int = 256


@dataclass(frozen=True)
class ReferencesConfig:
    methods: tuple[str, ...] = ("magnitude", "wanda", "sparsegpt", "movement", "weights", "-weights", "bias", "-bias")


@dataclass(frozen=True)
class ScoringConfig:
    retry_failed_levels: bool = False  # a candidate that errors at one level is not re-run at the others


@dataclass(frozen=True)
class EvolutionConfig:
    """Evolutionary search per idea (harness/run/evolve.py), plus a best-of-N control at equal LLM calls."""
    enabled: bool = False
    ideas: tuple[str, ...] = ()                  # idea ids (or "table4" / "all"); empty: generation.ideas
    generator: int = 0                           # index into generation.generators: the model that evolves
    generations: int = 3
    population: int = 4                          # programs kept per idea (best fitness first)
    top_k: int = 2                               # programs shown in each evolve prompt
    children_per_generation: int = 2             # LLM calls per generation
    fitness_levels: tuple[float, ...] = (0.5, 0.7)
    fitness_windows: int = 2                     # held-out windows of eval.seqlen tokens
    heldout_source: str | None = None            # None: WikiText-2 validation (eval wikitext2), or the windows
                                                 # after the reported ones (eval text:PATH); or "text:PATH"
    temperature: float | None = None             # None: the generator's own; both arms use the same
    max_tokens: int | None = None                # None: the generator's own (an evolved file is a whole program)
    seeds: tuple[str, ...] = ()                  # human seed programs (prompts/seeds/NAME.py, or a .py path) in
                                                 # generation 0 of both arms; no LLM call
    best_of_n: bool = True


@dataclass(frozen=True)
class SearchConfig:
    """The discovery engine (harness/run/search/): islands of score programs, a cascade, tuned constants."""
    enabled: bool = False
    generator: int = 0                           # index into generation.generators: the model that writes
    arms: tuple[str, ...] = ("discovery",)       # "discovery" (seed |W|, no human metric shown) and/or "sota"
    calls: int = 20                              # LLM calls per arm; the best-of-N control gets as many
    islands: int = 2
    capacity: int = 6                            # programs kept per island
    top_k: int = 2                               # programs shown per prompt
    reset_every: int = 10                        # calls between resets of the weaker half of the islands; 0: never
    edit: str = "rewrite"                        # "rewrite" (whole function) or "diff" (SEARCH/REPLACE edits)
    fitness_levels: tuple[float, ...] = (0.5, 0.6, 0.7)
    fitness_windows: int = 2                     # held-out windows of eval.seqlen tokens (validation, never test)
    heldout_source: str | None = None            # as evolution.heldout_source
    quick_level: float | None = None             # the cascade's one-level stage; None: the middle fitness level
    gate_margin: float = 0.405                   # quick log-ppl allowed above the arm's best (0.405 = x1.5 ppl)
    tune_budget: int = 4                         # quick evaluations to tune a program's constants (1: no tuning)
    seed: int = 0                                # islands' RNG, tuner, probe model
    temperature: float | None = None
    max_tokens: int | None = None
    best_of_n: bool = True
    focus: tuple[str, ...] = ()                  # inputs asked for in turn, one per call ("act_norm", "fisher", ...)
    allocate: bool = False                       # offer the optional per-layer allocate() (prompts/search_system.j2)
    update: bool = False                         # offer the optional update() of the kept weights (the same)
    statistics: str = "dense"                    # "dense" (once, from the dense model) or "sequential" (block by block,
                                                 # from the model with the earlier blocks pruned, as Wanda computes them)


@dataclass(frozen=True)
class ExperimentConfig:
    run: RunConfig = RunConfig()
    model: ModelConfig = ModelConfig()
    eval: EvalConfig = EvalConfig()
    calibration: CalibrationConfig = CalibrationConfig()
    sparsity: SparsityConfig = SparsityConfig()
    generation: GenerationConfig = GenerationConfig()
    sandbox: SandboxConfig = SandboxConfig()
    references: ReferencesConfig = ReferencesConfig()
    scoring: ScoringConfig = ScoringConfig()
    evolution: EvolutionConfig = EvolutionConfig()
    search: SearchConfig = SearchConfig()


def _coerce(value, hint, where: str):
    """Check ``value`` against the type ``hint`` and convert lists to tuples and nested tables to dataclasses."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        if value is None and type(None) in args:
            return None
        errors = []
        for a in args:
            if a is type(None):
                continue
            try:
                return _coerce(value, a, where)
            except ConfigError as e:
                errors.append(str(e))
        raise ConfigError(errors[0] if errors else f"{where}: bad value {value!r}")
    if origin is tuple:
        if not isinstance(value, list):
            raise ConfigError(f"{where}: expected a list, got {type(value).__name__} {value!r}")
        item = args[0]
        return tuple(_coerce(v, item, f"{where}[{i}]") for i, v in enumerate(value))
    if dataclasses.is_dataclass(hint):
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a table, got {value!r}")
        return _build(hint, value, where)
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint in (int, float, str, bool) and (not isinstance(value, hint) or (hint is int and isinstance(value, bool))):
        raise ConfigError(f"{where}: expected {hint.__name__}, got {type(value).__name__} {value!r}")
    return value


def _build(cls, table: dict, where: str):
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(table) - names)
    if unknown:
        raise ConfigError(f"{where or 'top level'}: unknown key(s) {unknown}; allowed: {sorted(names)}")
    kwargs = {k: _coerce(v, hints[k], f"{where}.{k}" if where else k) for k, v in table.items()}
    return cls(**kwargs)


def validate(cfg: ExperimentConfig) -> ExperimentConfig:
    """Cross-field checks that types alone cannot express."""
    from harness.core.sparsity import parse_pattern

    for lv in cfg.sparsity.levels + (cfg.sparsity.candidate_levels or ()):
        if not 0 < lv < 1:
            raise ConfigError(f"sparsity.levels: {lv} is not in (0, 1)")
    for p in cfg.sparsity.patterns:
        try:
            parse_pattern(p)
        except ValueError as e:
            raise ConfigError(f"sparsity.patterns: {e}") from None
    if cfg.sandbox.backend not in ("docker", "process"):
        raise ConfigError(f"sandbox.backend: {cfg.sandbox.backend!r} is not 'docker' or 'process'")
    for i, g in enumerate(cfg.generation.generators):
        if g.provider not in ("openai", "openai-compatible", "local", "replay"):
            raise ConfigError(f"generation.generators[{i}].provider: {g.provider!r} is not one of "
                              "openai, openai-compatible, local, replay")
        if g.provider == "openai-compatible" and not g.base_url:
            raise ConfigError(f"generation.generators[{i}]: provider openai-compatible needs base_url")
        if g.engine not in ("auto", "llama.cpp", "transformers"):
            raise ConfigError(f"generation.generators[{i}].engine: {g.engine!r} is not one of auto, llama.cpp, "
                              "transformers")
        from .forms import FORM_NAMES
        if g.form not in FORM_NAMES:
            raise ConfigError(f"generation.generators[{i}].form: {g.form!r} is not one of {', '.join(FORM_NAMES)}")
        if g.provider == "replay" and not g.cassette:
            raise ConfigError(f"generation.generators[{i}]: provider replay needs cassette")
    from reference_pruners import METHODS
    unknown = [m for m in cfg.references.methods if m not in METHODS]
    if unknown:
        raise ConfigError(f"references.methods: unknown {unknown}; known: {', '.join(METHODS)}")
    if cfg.run.executor not in ("local", "ray"):
        raise ConfigError(f"run.executor: {cfg.run.executor!r} is not 'local' or 'ray'")
    for name, value in (("run.workers", cfg.run.workers), ("generation.samples", cfg.generation.samples),
                        ("calibration.nsamples", cfg.calibration.nsamples), ("eval.seqlen", cfg.eval.seqlen)):
        if value < 1:
            raise ConfigError(f"{name}: must be >= 1, got {value}")
    if cfg.eval.zero_shot_limit is not None and cfg.eval.zero_shot_limit <= 0:
        raise ConfigError(f"eval.zero_shot_limit: must be > 0, got {cfg.eval.zero_shot_limit}")
    if cfg.eval.zero_shot_batch_size < 1:
        raise ConfigError(f"eval.zero_shot_batch_size: must be >= 1, got {cfg.eval.zero_shot_batch_size}")
    _validate_evolution(cfg)
    _validate_search(cfg)
    return cfg


def _validate_search(cfg: ExperimentConfig) -> None:
    s = cfg.search
    from harness.run.search.loop import ARM_SEEDS
    from harness.run.search.cascade import STATISTICS_MODES
    from harness.run.search.sampler import EDITS, FOCUS_INPUTS
    for name in ("calls", "islands", "capacity", "top_k", "fitness_windows", "tune_budget"):
        if getattr(s, name) < 1:
            raise ConfigError(f"search.{name}: must be >= 1, got {getattr(s, name)}")
    if s.top_k > s.capacity:
        raise ConfigError(f"search.top_k: {s.top_k} exceeds search.capacity {s.capacity}")
    bad = [a for a in s.arms if a not in ARM_SEEDS]
    if bad or not s.arms:
        raise ConfigError(f"search.arms: {bad or 'none'}; choose from {', '.join(ARM_SEEDS)}")
    if s.edit not in EDITS:
        raise ConfigError(f"search.edit: {s.edit!r} is not one of {', '.join(EDITS)}")
    if s.statistics not in STATISTICS_MODES:
        raise ConfigError(f"search.statistics: {s.statistics!r} is not one of {', '.join(STATISTICS_MODES)}")
    bad = [f for f in s.focus if f not in FOCUS_INPUTS]
    if bad:
        raise ConfigError(f"search.focus: {', '.join(map(repr, bad))} not among the score's inputs "
                          f"({', '.join(FOCUS_INPUTS)})")
    if not s.fitness_levels or not all(0 < lv < 1 for lv in s.fitness_levels):
        raise ConfigError(f"search.fitness_levels: give levels in (0, 1), got {list(s.fitness_levels)}")
    if s.quick_level is not None and not 0 < s.quick_level < 1:
        raise ConfigError(f"search.quick_level: {s.quick_level} is not in (0, 1)")
    if s.heldout_source is not None and not s.heldout_source.startswith("text:"):
        raise ConfigError(f"search.heldout_source: {s.heldout_source!r} is not 'text:PATH'")
    if s.enabled:
        if not 0 <= s.generator < len(cfg.generation.generators):
            raise ConfigError(f"search.generator: {s.generator} is not an index into generation.generators "
                              f"({len(cfg.generation.generators)} configured)")
        if s.heldout_source is None and cfg.eval.source.startswith("text:") and cfg.eval.max_windows is None:
            raise ConfigError("search: with eval.source text:PATH the held-out windows are those after the "
                              "reported ones, so set eval.max_windows (or search.heldout_source)")


def _validate_evolution(cfg: ExperimentConfig) -> None:
    e = cfg.evolution
    for name in ("generations", "population", "top_k", "children_per_generation", "fitness_windows"):
        minimum = 0 if name == "generations" else 1
        if getattr(e, name) < minimum:
            raise ConfigError(f"evolution.{name}: must be >= {minimum}, got {getattr(e, name)}")
    if e.top_k > e.population:
        raise ConfigError(f"evolution.top_k: {e.top_k} exceeds evolution.population {e.population}")
    if not e.fitness_levels:
        raise ConfigError("evolution.fitness_levels: give at least one level")
    for lv in e.fitness_levels:
        if not 0 < lv < 1:
            raise ConfigError(f"evolution.fitness_levels: {lv} is not in (0, 1)")
    if e.max_tokens is not None and e.max_tokens < 1:
        raise ConfigError(f"evolution.max_tokens: must be >= 1, got {e.max_tokens}")
    from .prompting import seed_path
    for name in e.seeds:
        try:
            seed_path(name)
        except ValueError as err:
            raise ConfigError(f"evolution.seeds: {err}") from None
    if e.heldout_source is not None and not e.heldout_source.startswith("text:"):
        raise ConfigError(f"evolution.heldout_source: {e.heldout_source!r} is not 'text:PATH' (leave it out for "
                          "the default held-out slice)")
    if e.enabled:
        if not 0 <= e.generator < len(cfg.generation.generators):
            raise ConfigError(f"evolution.generator: {e.generator} is not an index into generation.generators "
                              f"({len(cfg.generation.generators)} configured)")
        if cfg.generation.generators[e.generator].form != "program":
            raise ConfigError("evolution.generator: evolution asks for whole programs; a score-form generator "
                              "cannot evolve yet")
        if e.heldout_source is None and cfg.eval.source.startswith("text:") and cfg.eval.max_windows is None:
            raise ConfigError("evolution: with eval.source text:PATH the held-out windows are those after the "
                              "reported ones, so set eval.max_windows (or evolution.heldout_source)")


def parse_override(text: str) -> tuple[list[str], object]:
    """``"section.key=value"`` -> (["section", "key"], value), the value read as TOML (``4``, ``"ray"``,
    ``[0.5, 0.7]``, ``true``), or as a plain string where it is not TOML (``run.executor=ray``)."""
    name, sep, raw = text.partition("=")
    parts = name.strip().split(".")
    if not sep or len(parts) < 2 or not all(parts):
        raise ConfigError(f"--set {text!r}: expected section.key=value, e.g. run.workers=2")
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return parts, value


def apply_overrides(table: dict, overrides: list[str]) -> dict:
    """The config table with each ``--set section.key=value`` applied (checked like the file's own keys).

    A number picks one table of an array of tables: ``generation.generators.0.provider=replay``."""
    for text in overrides:
        parts, value = parse_override(text)
        node = table
        for part in parts[:-1]:
            if isinstance(node, list):
                if not part.isdigit() or int(part) >= len(node):
                    raise ConfigError(f"--set {text!r}: {part} is not one of the {len(node)} tables' index "
                                      f"(0..{len(node) - 1})")
                node = node[int(part)]
            else:
                node = node.setdefault(part, {})
            if not isinstance(node, (dict, list)):
                raise ConfigError(f"--set {text!r}: {part} is not a section")
        if isinstance(node, list):
            raise ConfigError(f"--set {text!r}: {parts[-2]} is an array of tables: name one by its index, "
                              f"e.g. {'.'.join(parts[:-1])}.0.{parts[-1]}=...")
        node[parts[-1]] = value
    return table


def load_config(path: str | Path, overrides: list[str] = ()) -> ExperimentConfig:
    path = Path(path)
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None
    try:
        return validate(_build(ExperimentConfig, apply_overrides(table, list(overrides)), ""))
    except ConfigError as e:
        raise ConfigError(f"{path}: {e}") from None
