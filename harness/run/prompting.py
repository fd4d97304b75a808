"""Prompts: the catalogue of core ideas and the Jinja templates that turn one idea into chat messages.

Users extend both without touching code: a directory named by ``PRUNEGEN_PROMPTS_DIR`` (or passed as
``prompts_dir``) may hold an ``ideas.toml`` whose ideas are added to, or replace, the built-in ones,
and ``*.j2`` templates that shadow the built-in templates of the same name.

Every template renders with ``StrictUndefined``, so a typo in a variable fails loudly instead of
silently sending an incomplete prompt to a paid API.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any, Mapping

import jinja2

from harness.core.interface import interface_document

PROMPTS_DIR_ENV = "PRUNEGEN_PROMPTS_DIR"
SYSTEM_TEMPLATE = "system"
DEFAULT_TEMPLATE = "user"

# Mirrors "What is forbidden" in prompts/interface.md; the sandbox enforces it, the prompt states it.
ALLOWED_IMPORTS = ("torch", "math", "numpy", "random", "itertools", "functools", "collections",
                   "dataclasses", "typing", "heapq")


@dataclass(frozen=True)
class Idea:
    id: str
    title: str
    description: str
    paper_number: str | None = None       # "01".."10" for the paper's Table 4 ten
    human_reference: str | None = None    # reference_pruners/<name>.py implementing the same idea
    source: str = ""                      # the catalogue file it came from

    @property
    def in_table4(self) -> bool:
        return self.paper_number is not None


def builtin_dir() -> Path:
    return Path(str(files("prompts")))


def user_dir(prompts_dir: str | Path | None = None) -> Path | None:
    d = prompts_dir or os.environ.get(PROMPTS_DIR_ENV)
    return Path(d).expanduser() if d else None


def seed_names(prompts_dir: str | Path | None = None) -> list[str]:
    """The evolution seeds on offer: ``seeds/NAME.py`` of the user's prompts directory and the built-in one."""
    dirs = [d for d in (user_dir(prompts_dir), builtin_dir()) if d is not None]
    return sorted({p.stem for d in dirs for p in (d / "seeds").glob("*.py")})


def seed_path(name: str, prompts_dir: str | Path | None = None) -> Path:
    """The file of evolution seed ``name``: a ``.py`` path as given, else ``seeds/NAME.py`` (user's first)."""
    if name.endswith(".py"):
        p = Path(name).expanduser()
        if not p.is_file():
            raise ValueError(f"seed file {name} does not exist")
        return p
    for d in (user_dir(prompts_dir), builtin_dir()):
        if d is not None and (d / "seeds" / f"{name}.py").is_file():
            return d / "seeds" / f"{name}.py"
    raise ValueError(f"unknown seed {name!r}; known: {', '.join(seed_names(prompts_dir)) or 'none'} "
                     "(or give a path ending in .py)")


def _read_catalogue(path: Path) -> dict[str, Idea]:
    with open(path, "rb") as f:
        data = tomllib.load(f)
    table = data.get("ideas")
    if not isinstance(table, dict):
        raise ValueError(f"{path}: expected [ideas.<id>] tables")
    out = {}
    for idea_id, entry in table.items():
        missing = [k for k in ("title", "description") if not entry.get(k)]
        if missing:
            raise ValueError(f"{path}: idea {idea_id!r} lacks {', '.join(missing)}")
        unknown = set(entry) - {"title", "description", "paper_number", "human_reference"}
        if unknown:
            raise ValueError(f"{path}: idea {idea_id!r} has unknown keys {sorted(unknown)}")
        number = entry.get("paper_number")
        out[idea_id] = Idea(id=idea_id, title=entry["title"].strip(), description=" ".join(entry["description"].split()),
                            paper_number=None if number is None else str(number),
                            human_reference=entry.get("human_reference"), source=str(path))
    return out


def load_ideas(path: str | Path | None = None, *, prompts_dir: str | Path | None = None) -> dict[str, Idea]:
    """All ideas: the built-in catalogue, then ``<prompts dir>/ideas.toml``, then ``path``; later ids win."""
    ideas = _read_catalogue(builtin_dir() / "ideas.toml")
    extra = user_dir(prompts_dir)
    if extra is not None and (extra / "ideas.toml").is_file():
        ideas.update(_read_catalogue(extra / "ideas.toml"))
    if path is not None:
        ideas.update(_read_catalogue(Path(path)))
    return ideas


def select_ideas(spec: str, ideas: Mapping[str, Idea]) -> list[Idea]:
    """``spec`` is a comma list of ids, or ``table4`` (the paper's ten) or ``all``."""
    out: list[Idea] = []
    for token in (t.strip() for t in spec.split(",")):
        if not token:
            continue
        if token == "all":
            out.extend(ideas.values())
        elif token == "table4":
            out.extend(sorted((i for i in ideas.values() if i.in_table4), key=lambda i: i.paper_number))
        elif token in ideas:
            out.append(ideas[token])
        else:
            raise ValueError(f"unknown idea {token!r}; known: {', '.join(ideas)} (or 'table4', 'all')")
    seen, unique = set(), []
    for idea in out:
        if idea.id not in seen:
            seen.add(idea.id)
            unique.append(idea)
    return unique


def template_environment(prompts_dir: str | Path | None) -> jinja2.Environment:
    search = [str(d) for d in (user_dir(prompts_dir), builtin_dir()) if d is not None]
    return jinja2.Environment(loader=jinja2.FileSystemLoader(search), undefined=jinja2.StrictUndefined,
                              keep_trailing_newline=False, autoescape=False)


def list_templates(prompts_dir: str | Path | None = None) -> list[str]:
    """Names of the user-message templates (everything but the system template)."""
    names = {Path(n).stem for n in template_environment(prompts_dir).list_templates(extensions=["j2"])}
    return sorted(n for n in names if n != SYSTEM_TEMPLATE and not n.endswith("_system"))


def render_messages(idea: Idea, template: str = DEFAULT_TEMPLATE, *, prompts_dir: str | Path | None = None,
                    system_template: str = SYSTEM_TEMPLATE, **extra: Any) -> list[dict[str, str]]:
    """The chat messages for ``idea``: ``<system_template>.j2`` then ``<template>.j2`` as the user turn.

    ``extra`` are further template variables, e.g. a later ``repair`` template's previous code and error.
    """
    env = template_environment(prompts_dir)
    variables = {"idea": idea, "interface": interface_document().strip(),
                 "allowed_imports": list(ALLOWED_IMPORTS), **extra}
    try:
        system = env.get_template(f"{system_template}.j2").render(**variables)
        user = env.get_template(f"{template}.j2").render(**variables)
    except jinja2.TemplateNotFound as e:
        raise ValueError(f"no prompt template {e.name!r}; available: {', '.join(list_templates(prompts_dir))}") from None
    except jinja2.UndefinedError as e:
        raise ValueError(f"template {template!r} for idea {idea.id!r}: {e.message}") from None
    return [{"role": "system", "content": system.strip() + "\n"}, {"role": "user", "content": user.strip() + "\n"}]
