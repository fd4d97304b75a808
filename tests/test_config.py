"""The experiment config: defaults, parsing, and errors that name the section and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.run.config import ConfigError, ExperimentConfig, GeneratorConfig, load_config

REPO = Path(__file__).resolve().parent.parent


def write(tmp_path, text: str) -> Path:
    p = tmp_path / "c.toml"
    p.write_text(text)
    return p


def test_shipped_configs_load():
    for path in sorted((REPO / "configs").glob("*.toml")):
        cfg = load_config(path)
        assert isinstance(cfg, ExperimentConfig), path


def test_values_are_parsed_into_typed_sections(tmp_path):
    cfg = load_config(write(tmp_path, """
[run]
name = "x"
workers = 2
[sparsity]
levels = [0.5, 0.7]
patterns = ["unstructured", "2:4"]
[[generation.generators]]
provider = "openai"
model = "o1"
reasoning_effort = "high"
[[generation.generators]]
provider = "openai-compatible"
model = "qwen"
base_url = "http://127.0.0.1:8000/v1"
"""))
    assert cfg.run.workers == 2 and cfg.sparsity.levels == (0.5, 0.7)
    assert cfg.sparsity.patterns == ("unstructured", "2:4")
    assert cfg.generation.generators == (
        GeneratorConfig(provider="openai", model="o1", reasoning_effort="high"),
        GeneratorConfig(provider="openai-compatible", model="qwen", base_url="http://127.0.0.1:8000/v1"))
    assert cfg.eval.seqlen == 2048  # untouched sections keep their defaults


@pytest.mark.parametrize("text, message", [
    ("[run]\nworkerz = 2\n", "run: unknown key(s) ['workerz']"),
    ("[runs]\nname = 'x'\n", "top level: unknown key(s) ['runs']"),
    ("[eval]\nseqlen = 'long'\n", "eval.seqlen: expected int, got str"),
    ("[sparsity]\nlevels = [0.5, 1.5]\n", "sparsity.levels: 1.5 is not in (0, 1)"),
    ("[sparsity]\npatterns = ['3:2']\n", "sparsity.patterns"),
    ("[sparsity]\nlevels = 0.5\n", "sparsity.levels: expected a list"),
    ("[sandbox]\nbackend = 'vm'\n", "sandbox.backend"),
    ("[references]\nmethods = ['wanda', 'obs']\n", "unknown ['obs']"),
    ("[[generation.generators]]\nprovider = 'openai-compatible'\n", "needs base_url"),
    ("[[generation.generators]]\nprovider = 'anthropic'\n", "provider: 'anthropic' is not one of"),
    ("[run\n", "not valid TOML"),
])
def test_errors_name_the_key(tmp_path, text, message):
    with pytest.raises(ConfigError, match=None) as e:
        load_config(write(tmp_path, text))
    assert message in str(e.value)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "nope.toml")


def test_evolution_section(tmp_path):
    from harness.run.config import EvolutionConfig
    assert ExperimentConfig().evolution == EvolutionConfig() and not EvolutionConfig().enabled
    cfg = load_config(write(tmp_path, "[evolution]\nenabled = true\ngenerations = 5\nfitness_levels = [0.6]\n"))
    assert cfg.evolution.generations == 5 and cfg.evolution.fitness_levels == (0.6,)
    for bad, match in (("top_k = 5\npopulation = 2", "top_k"), ("fitness_levels = [1.5]", "fitness_levels"),
                       ("fitness_levels = []", "fitness_levels"), ("children_per_generation = 0", "children"),
                       ("heldout_source = 'wikitext2'", "heldout_source"), ("enabled = true\ngenerator = 3", "generator"),
                       ("bogus = 1", "unknown key")):
        with pytest.raises(ConfigError, match=match):
            load_config(write(tmp_path, f"[evolution]\n{bad}\n"))
    with pytest.raises(ConfigError, match="max_windows"):
        load_config(write(tmp_path, "[eval]\nsource = 'text:x.txt'\n[evolution]\nenabled = true\n"))


def test_set_overrides_any_key_as_toml_or_plain_text(tmp_path):
    from harness.run.config import apply_overrides, load_config, parse_override

    assert parse_override("run.workers=2") == (["run", "workers"], 2)
    assert parse_override("sandbox.backend=process") == (["sandbox", "backend"], "process")
    assert parse_override('sparsity.levels=[0.5, 0.7]') == (["sparsity", "levels"], [0.5, 0.7])
    assert apply_overrides({"run": {"workers": 1}}, ["run.workers=3", "eval.max_windows=2"]) == {
        "run": {"workers": 3}, "eval": {"max_windows": 2}}
    for bad in ("workers=2", "run.workers", ".x=1"):
        with pytest.raises(ConfigError, match="expected section.key=value"):
            parse_override(bad)
    cfg_path = tmp_path / "c.toml"
    cfg_path.write_text('[run]\nout = "x"\n')
    assert load_config(cfg_path, ["run.workers=4"]).run.workers == 4
    with pytest.raises(ConfigError, match="run.workers: must be >= 1"):
        load_config(cfg_path, ["run.workers=0"])
    with pytest.raises(ConfigError, match="unknown"):
        load_config(cfg_path, ["run.wrokers=2"])


def test_set_names_one_generator_of_the_array_by_its_index(tmp_path):
    """What replaying a published config takes: ``--set generation.generators.0.provider=replay``."""
    from harness.run.config import load_config

    cfg = load_config(REPO / "configs" / "qwen-coder-0.5b.toml", [
        "generation.generators.0.provider=replay",
        "generation.generators.0.cassette=reports/qwen-coder-0.5b/cassette.jsonl"])
    (g,) = cfg.generation.generators
    assert (g.provider, g.model, g.cassette, g.temperature) == ("replay", "qwen2.5-coder-0.5b",
                                                                "reports/qwen-coder-0.5b/cassette.jsonl", 0.8)
    with pytest.raises(ConfigError, match=r"1 is not one of the 1 tables' index \(0..0\)"):
        load_config(REPO / "configs" / "qwen-coder-0.5b.toml", ["generation.generators.1.provider=replay"])
    with pytest.raises(ConfigError, match=r"name one by its index, e.g. generation.generators.0.provider"):
        load_config(REPO / "configs" / "qwen-coder-0.5b.toml", ["generation.generators.provider=replay"])


def test_search_focus_names_inputs_of_the_score(tmp_path):
    ok = load_config(write(tmp_path, "[search]\nfocus = ['fisher', 'act_norm']\n"))
    assert ok.search.focus == ("fisher", "act_norm")
    with pytest.raises(ConfigError, match="search.focus: 'weight_times_act'"):
        load_config(write(tmp_path, "[search]\nfocus = ['fisher', 'weight_times_act']\n"))


def test_search_statistics_are_dense_or_sequential(tmp_path):
    assert load_config(write(tmp_path, "[search]\n")).search.statistics == "dense"
    assert load_config(write(tmp_path, "[search]\nstatistics = 'sequential'\n")).search.statistics == "sequential"
    with pytest.raises(ConfigError, match="search.statistics: 'blockwise' is not one of dense, sequential"):
        load_config(write(tmp_path, "[search]\nstatistics = 'blockwise'\n"))


def test_search_update_is_a_bool_off_by_default(tmp_path):
    assert load_config(write(tmp_path, "[search]\n")).search.update is False
    assert load_config(write(tmp_path, "[search]\nupdate = true\n")).search.update is True
    with pytest.raises(ConfigError, match="search.update: expected bool, got str 'yes'"):
        load_config(write(tmp_path, "[search]\nupdate = 'yes'\n"))
