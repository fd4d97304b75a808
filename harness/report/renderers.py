"""The tables and figures as Markdown and as one self-contained HTML page, through the Jinja templates
in ``templates/`` (``report.md.j2``, ``report.html.j2`` with ``report.css`` inline)."""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

import jinja2

from harness.core.interface import Status
from .cells import NOT_RUN
from .figures import Figure
from .table import Table

TEMPLATES = Path(__file__).with_name("templates")


def cell_class(text: str) -> str:
    if text == NOT_RUN or text.startswith("not run"):
        return "notrun"
    if text.startswith("not applicable"):
        return "na"
    if re.fullmatch(r"-?[0-9.]+(e[+-]?[0-9]+)?|inf", text):
        return "num"
    if text in {s.value for s in Status} and text != Status.OK:
        return "fail"
    return ""


def md_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def anchor(key: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", key.lower())


def png_base64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode("ascii")


def _environment() -> jinja2.Environment:
    # No autoescape: Jinja's escaping writes ' and " as &#39; and &#34;, Python's html.escape (the esc
    # filter, which the page has always used) as &#x27; and &quot;. The Markdown escapes nothing of HTML.
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), undefined=jinja2.StrictUndefined,
                             autoescape=False, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(esc=html.escape, md=md_escape, anchor=anchor, cell_class=cell_class, base64=png_base64)
    return env


_ENV = _environment()


def to_markdown(title: str, tables: list[Table], figures: list[Figure], generated: str,
                warnings: list[str] = ()) -> str:
    """``warnings``: what the run says about itself (the store's notes), printed before any table."""
    return _ENV.get_template("report.md.j2").render(title=title, tables=tables, figures=figures, generated=generated,
                                                    warnings=list(warnings))


def to_html(title: str, tables: list[Table], figures: list[Figure], generated: str,
            warnings: list[str] = ()) -> str:
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    return _ENV.get_template("report.html.j2").render(title=title, tables=tables, figures=figures,
                                                      generated=generated, css=css, warnings=list(warnings))
