"""The import rules of tests/layout.py hold: no forbidden edge between rooms, no circle, README current."""

from __future__ import annotations

import layout as L


def test_no_forbidden_import():
    bad = L.forbidden_edges(L.imports())
    assert not bad, "imports the rules of tests/layout.py forbid:\n" + "\n".join(bad)


def test_no_circle_between_rooms():
    assert L.room_circles(L.imports()) == []
    assert L.rule_circles() == []


def test_no_private_helper_is_imported_from_another_module():
    assert L.private_imports() == []


def test_every_module_is_in_a_room():
    assert [m for m in L.modules() if L.room_of(m) is None] == []


def test_readme_layout_is_generated():
    readme = (L.ROOT / "README.md").read_text(encoding="utf-8")
    assert L.readme_section(readme) == L.layout_section(), "README's ## Layout is stale: run `make layout`"


# ------------------------------------------------------------------------------------ the check can fail

def test_a_forbidden_edge_is_caught():
    graph = {"harness.core.models": {"harness.run.store"}, "sandbox.api": {"harness.core.sparsity"},
             "harness.report.view": {"harness.run.store", "harness.run.pipeline"}}
    assert L.forbidden_edges(graph) == [
        "harness.core.models -> harness.run.store (harness.core -> harness.run)",
        "harness.report.view -> harness.run.pipeline (harness.report -> harness.run)"]


def test_a_circle_is_caught():
    assert L.room_circles({"sandbox.api": {"harness.run.sweep"}, "harness.run.sweep": {"sandbox.job"}}) \
        == [["harness.run", "sandbox"]]
    rooms = L.ROOMS + (L.Room("extra", ("harness.cli",)), )
    rooms = tuple(L.Room(r.package, r.may_import + ("extra",)) if r.package == "harness.cli" else r for r in rooms)
    assert L.rule_circles(rooms) == [["extra", "harness.cli"]]


def test_a_lazy_import_in_a_function_is_read(tmp_path):
    (tmp_path / "harness" / "core").mkdir(parents=True)
    for top in ("sandbox", "reference_pruners", "prompts"):
        (tmp_path / top).mkdir()
    (tmp_path / "harness" / "__init__.py").write_text("")
    (tmp_path / "harness" / "core" / "__init__.py").write_text("")
    (tmp_path / "harness" / "core" / "models.py").write_text(
        "def f():\n    from ..run import store\n    from harness.llm.keys import prompt_hash\n")
    graph = L.imports(tmp_path)
    assert graph["harness.core.models"] == {"harness.run", "harness.llm.keys"}   # no run/store.py in tmp_path
    assert len(L.forbidden_edges(graph)) == 2
