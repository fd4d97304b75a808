"""Every template renders for every idea, strictly, with the interface document inside."""

from __future__ import annotations

import pytest

from harness.core.interface import interface_document
from harness.llm.keys import prompt_hash
from harness.run.prompting import ALLOWED_IMPORTS, list_templates, load_ideas, render_messages, select_ideas

IDEAS = load_ideas()
TABLE4 = ["gradient-sensitive", "l1-norm", "structured", "k-means-clustering", "random", "random-pattern",
          "variational-dropout", "gradient-based", "elastic-weight-consolidation", "dynamic-rl"]


def test_catalogue_has_table4_and_human_counterparts():
    assert [i.id for i in select_ideas("table4", IDEAS)] == TABLE4
    assert [IDEAS[i].paper_number for i in TABLE4] == [f"{n:02d}" for n in range(1, 11)]
    assert {"magnitude", "wanda-like", "sparsegpt-like"} <= set(IDEAS)
    assert {IDEAS[i].human_reference for i in ("magnitude", "wanda-like", "sparsegpt-like")} == {"magnitude", "wanda", "sparsegpt"}
    for idea in IDEAS.values():
        assert len(idea.description.split()) >= 25, idea.id  # a paragraph, not a label


# Templates that take more than the idea: the least they need (StrictUndefined fails on anything missing).
TEMPLATE_EXTRAS = {"evolve": {"programs": [], "levels": [0.5], "generation": 1, "generations": 1},
                   "repair": {"status": "runtime-error", "detail": "ValueError: x", "log_tail": "", "round": 1}}
TEMPLATE_EXTRAS["score_repair"] = TEMPLATE_EXTRAS["repair"]
TEMPLATE_EXTRAS["search_evolve"] = {"levels": ["0.5"], "edit": "diff", "rejected": [], "programs": [
    {"version": 0, "code": "def score(weight):\n    return weight.abs()", "fitness": "4.0",
     "levels": [{"level": "0.5", "perplexity": "55"}], "tuned": ""}]}


@pytest.mark.parametrize("template", list_templates())
@pytest.mark.parametrize("idea_id", list(IDEAS))
def test_every_template_renders_for_every_idea(idea_id, template):
    messages = render_messages(IDEAS[idea_id], template, **TEMPLATE_EXTRAS.get(template, {}))
    assert [m["role"] for m in messages] == ["system", "user"]
    system, user = (m["content"] for m in messages)
    assert interface_document().strip() in system
    assert all(name in system for name in ALLOWED_IMPORTS) and "```python" in system
    assert IDEAS[idea_id].title in user
    if template in ("repair", "score_repair"):  # a second turn: the idea was described in the first, the failure is new
        assert "runtime-error" in user and "ValueError: x" in user
    else:
        assert IDEAS[idea_id].description in user
    assert "{{" not in system + user and "{%" not in system + user


def test_strict_undefined_fails_loudly(tmp_path):
    (tmp_path / "repair.j2").write_text("Fix this: {{ previous_code }}\nError: {{ error }}\n")
    idea = IDEAS["random"]
    with pytest.raises(ValueError, match="previous_code"):
        render_messages(idea, "repair", prompts_dir=tmp_path)
    messages = render_messages(idea, "repair", prompts_dir=tmp_path, previous_code="def prune(): pass", error="boom")
    assert "def prune(): pass" in messages[1]["content"] and "repair" in list_templates(tmp_path)


def test_user_prompts_dir_adds_ideas_and_shadows_templates(tmp_path, monkeypatch):
    (tmp_path / "ideas.toml").write_text('[ideas.my-idea]\ntitle = "Mine"\ndescription = "Prune the odd rows."\n'
                                         '[ideas.random]\ntitle = "Random, my way"\ndescription = "Coin flips."\n')
    (tmp_path / "user.j2").write_text("Idea: {{ idea.title }}: {{ idea.description }}\n")
    monkeypatch.setenv("PRUNEGEN_PROMPTS_DIR", str(tmp_path))
    ideas = load_ideas()
    assert ideas["my-idea"].title == "Mine" and ideas["random"].title == "Random, my way"
    assert ideas["l1-norm"].paper_number == "02"  # built-ins are still there
    assert render_messages(ideas["my-idea"])[1]["content"] == "Idea: Mine: Prune the odd rows.\n"


def test_prompt_hash_is_stable_and_sensitive():
    a = render_messages(IDEAS["random"])
    assert prompt_hash(a) == prompt_hash(render_messages(IDEAS["random"]))
    assert prompt_hash(a) != prompt_hash(render_messages(IDEAS["l1-norm"]))
    assert len(prompt_hash(a)) == 64


def test_unknown_idea_and_template():
    with pytest.raises(ValueError, match="unknown idea"):
        select_ideas("random,nope", IDEAS)
    with pytest.raises(ValueError, match="no prompt template"):
        render_messages(IDEAS["random"], "nope")


def test_prompts_render_cli(capsys):
    import argparse
    from harness.cli.generate import register

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["prompts", "render", "l1-norm"])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    messages = render_messages(IDEAS["l1-norm"])
    assert messages[0]["content"] in out and messages[1]["content"] in out and prompt_hash(messages) in out
