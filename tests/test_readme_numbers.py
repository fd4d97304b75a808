"""The README quotes only what a committed report shows.

Every paragraph (or list item) of the README that links a committed report (``reports/NAME/...``) may
quote a figure only if that figure is in one of the reports it links: its report.md or a table CSV.
A figure is a number with a decimal point or a thousands separator (``0.100``, ``297.2``, ``19,447``,
``1.4e45``); it is found when the report shows a number that rounds to it at the quoted precision
(``269.4`` quotes ``269.417``). Numbers in code spans (commands, config values) are instructions, not
results, and are not checked. A paragraph that needs a figure from elsewhere (a bench result) must
not link a report.
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LINK = re.compile(r"reports/([A-Za-z0-9._-]+)/")
# Not inside a name or version (Qwen2.5-Coder-1.5B, v0.3.36, sample-0.py).
FIGURE = re.compile(r"(?<![\w.-])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+(?:e[+-]?\d+)?)(?![\w]|\.\d)")


def _chunks(text: str) -> list[str]:
    """Paragraphs and list items, code blocks dropped."""
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    out = []
    for para in re.split(r"\n\s*\n", text):
        out += [c for c in re.split(r"\n(?=\s*[*-] )", para) if c.strip()]
    return out


def _figures(chunk: str) -> set[str]:
    prose = re.sub(r"`[^`]*`", "", chunk)
    prose = re.sub(r"\]\([^)]*\)", "]", prose)          # link targets
    prose = re.sub(r"\b(19|20)\d\d-\d\d-\d\d\b", "", prose)  # dates
    return {m.replace(",", "") for m in FIGURE.findall(prose)}


def _report_text(name: str) -> str:
    folder = REPO / "reports" / name
    text = "".join(p.read_text(encoding="utf-8") for p in [folder / "report.md", *sorted(folder.glob("*.csv"))]
                   if p.is_file())
    return text.replace(",", "")


NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[+-]?\d+)?", re.I)


def _tolerance(fig: str) -> float:
    """Half a unit in the last quoted digit: 269.4 -> 0.05, 19447 -> 0.5, 1.4e45 -> 0.05e45."""
    mantissa, _, exp = fig.lower().partition("e")
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    return 0.5 * 10 ** (-decimals) * 10 ** int(exp or 0)


def shows(fig: str, text: str) -> bool:
    value, tol = float(fig), _tolerance(fig)
    return any(abs(float(m) - value) <= tol * (1 + 1e-9) for m in NUMBER.findall(text))


def readme_figures_missing(readme: str) -> list[str]:
    missing = []
    for chunk in _chunks(readme):
        names = {n for n in LINK.findall(chunk) if n != "archive"}
        if not names:
            continue
        shown = "".join(_report_text(n) for n in sorted(names))
        for fig in sorted(_figures(chunk)):
            if not shows(fig, shown):
                missing.append(f"{fig} (quoted beside {', '.join(sorted(names))}: "
                               f"{' '.join(chunk.split())[:120]}...)")
    return missing


def test_every_figure_the_readme_quotes_beside_a_report_is_in_that_report():
    missing = readme_figures_missing((REPO / "README.md").read_text(encoding="utf-8"))
    assert not missing, "README figures not found in the reports they cite:\n" + "\n".join(missing)


def test_the_check_catches_a_drifted_figure():
    real = next(p.parent.name for p in sorted((REPO / "reports").glob("*/report.md")))
    assert readme_figures_missing(f"A claim about [this run](reports/{real}/report.md): 31,337.25 at 0.5.\n") \
        and "31337.25" in readme_figures_missing(f"[r](reports/{real}/report.md) 31,337.25")[0]
    assert readme_figures_missing("No report cited here: 31,337.25.\n") == []


def test_a_rounded_quote_is_found_and_a_wrong_digit_is_not():
    assert shows("269.4", "| l1-norm | 269.417 |") and not shows("269.5", "| l1-norm | 269.417 |")
    assert shows("1.4e45", "1.41e+45") and not shows("1.6e45", "1.41e+45")
    assert shows("19447", "19447.3") and not shows("0.100", "0.1006 0.2")
    assert _figures("Qwen2.5-Coder-1.5B at `0.5`, v0.3.36: 297.2 and 19,447.") == {"297.2", "19447"}
