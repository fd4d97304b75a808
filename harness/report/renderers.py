"""The tables and figures as Markdown and as one self-contained HTML page (inline CSS, base64 PNG)."""

from __future__ import annotations

import base64
import html
import re

from ..interface import Status
from .cells import NOT_RUN
from .figures import Figure
from .table import Table


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


def _md_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _anchor(key: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", key.lower())


def to_markdown(title: str, tables: list[Table], figures: list[Figure], generated: str) -> str:
    lines = [f"# {title}", "", f"_Generated {generated} by prunegen report._", ""]
    for t in tables:
        cols = list(t.frame.columns)
        lines += [f"## {t.title}", "", "| " + " | ".join(_md_escape(c) for c in cols) + " |",
                  "|" + "|".join("---" for _ in cols) + "|"]
        for row in t.frame.itertuples(index=False):
            lines.append("| " + " | ".join(_md_escape(str(v)) for v in row) + " |")
        lines.append("")
        lines += [f"- {_md_escape(n)}" for n in t.notes]
        lines += [f"- {_md_escape(f)}" for f in t.fingerprints]
        lines.append("")
    for f in figures:
        lines += [f"## {f.caption.split(':')[0]}", "", f"![{f.caption}]({f.path.name})", "", f"_{f.caption}_", ""]
    return "\n".join(lines)


CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1200px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.4}
h1{font-size:1.6em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ddd;padding-bottom:.2em}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0;display:block;overflow-x:auto}
th,td{border:1px solid #ccc;padding:.25em .55em;text-align:left;vertical-align:top}
th{background:#f2f2f2}td.num{text-align:right;font-variant-numeric:tabular-nums}
td.fail{background:#fde8e8;color:#8a1c1c}td.na{background:#f4f0ff;color:#4b3a8a}td.notrun{color:#888;font-style:italic}
ul.notes{font-size:.8em;color:#444;margin-top:.2em}ul.notes li.fp{font-family:ui-monospace,Menlo,Consolas,monospace}
figure{margin:1.5em 0}figure img{max-width:100%;border:1px solid #eee}figcaption{font-size:.85em;color:#444}
nav ul{columns:2;font-size:.85em}
"""


def to_html(title: str, tables: list[Table], figures: list[Figure], generated: str) -> str:
    e = html.escape
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>{e(title)}</title><style>{CSS}</style></head><body>",
           f"<h1>{e(title)}</h1><p><em>Generated {e(generated)} by prunegen report.</em></p>", "<nav><ul>"]
    out += [f'<li><a href="#{_anchor(t.key)}">{e(t.title)}</a></li>' for t in tables]
    out += [f'<li><a href="#{_anchor(f.key)}">{e(f.caption.split(":")[0])}</a></li>' for f in figures]
    out.append("</ul></nav>")
    for t in tables:
        out.append(f'<section id="{_anchor(t.key)}"><h2>{e(t.title)}</h2><table><thead><tr>')
        out += [f"<th>{e(str(c))}</th>" for c in t.frame.columns]
        out.append("</tr></thead><tbody>")
        for row in t.frame.itertuples(index=False):
            cells = "".join(f'<td class="{cell_class(str(v))}">{e(str(v))}</td>' for v in row)
            out.append(f"<tr>{cells}</tr>")
        out.append('</tbody></table><ul class="notes">')
        out += [f"<li>{e(n)}</li>" for n in t.notes]
        out += [f'<li class="fp">{e(f)}</li>' for f in t.fingerprints]
        out.append("</ul></section>")
    for f in figures:
        data = base64.b64encode(f.path.read_bytes()).decode("ascii")
        out.append(f'<section id="{_anchor(f.key)}"><figure><img alt="{e(f.caption)}" '
                   f'src="data:image/png;base64,{data}"><figcaption>{e(f.caption)}</figcaption></figure></section>')
    out.append("</body></html>")
    return "\n".join(out)
