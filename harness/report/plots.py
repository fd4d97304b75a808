"""The report's figures (matplotlib, Agg backend, no display needed).

Each function takes plain data (level -> perplexity dicts of the jobs that ran ok) and writes one PNG.
A failed or missing job is simply not a point: lines connect the levels that have a number.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

Series = dict[str, dict[float, float]]   # label -> {level: perplexity} (ok jobs only)

DPI = 110


def _finish(fig, ax, path: Path, *, legend: bool = True) -> Path:
    if legend and ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def _no_data(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="0.4")


def _lines(ax, series: Series, *, style: dict | None = None, styles: dict[str, dict] | None = None) -> int:
    drawn = 0
    for label, points in series.items():
        pts = sorted((x, y) for x, y in points.items() if y is not None and y == y and y > 0)
        if not pts:
            continue
        kw = {"marker": "o", "markersize": 3.5, "linewidth": 1.4, **(style or {}), **((styles or {}).get(label, {}))}
        short = label if len(label) <= 42 else label[:41].rstrip() + "…"
        ax.plot([p[0] for p in pts], [p[1] for p in pts], label=short, **kw)
        drawn += 1
    return drawn


def _axes(title: str):
    fig, ax = plt.subplots(figsize=(8.5, 4.4))
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("sparsity level")
    ax.set_ylabel("perplexity (log scale)")
    ax.grid(True, which="both", alpha=0.25)
    return fig, ax


def level_figure(path: Path, title: str, series: Series, *, dense: float | None = None,
                 styles: dict[str, dict] | None = None, thin: set[str] | None = None) -> Path:
    """Level vs perplexity on a log y axis; one line per series; dense as a dashed horizontal line."""
    fig, ax = _axes(title)
    thin = thin or set()
    drawn = _lines(ax, {k: v for k, v in series.items() if k not in thin},
                   style={"linewidth": 2.0}, styles=styles)
    drawn += _lines(ax, {k: v for k, v in series.items() if k in thin},
                    style={"linewidth": 1.0, "linestyle": "--", "markersize": 3}, styles=styles)
    if dense is not None and dense == dense and dense > 0:
        ax.axhline(dense, color="0.3", linestyle="--", linewidth=1.0, label=f"dense ({dense:.3f})")
        drawn += 1
    if drawn:
        ax.set_yscale("log")
        ax.set_xlim(-0.02, 1.02)
    else:
        _no_data(ax, "no job ran ok: nothing to plot")
    return _finish(fig, ax, path)


def success_figure(path: Path, title: str, rates: dict[str, dict[str, float]]) -> Path:
    """Grouped bars: per generator, the share of its programs that reached each stage (0..1)."""
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    ax.set_title(title, fontsize=10)
    gens = list(rates)
    stages = list(next(iter(rates.values()))) if rates else []
    if not gens or not stages:
        _no_data(ax, "no generated programs")
        return _finish(fig, ax, path, legend=False)
    width = 0.8 / len(stages)
    for i, stage in enumerate(stages):
        xs = [g + (i - (len(stages) - 1) / 2) * width for g in range(len(gens))]
        vals = [rates[g][stage] for g in gens]
        bars = ax.bar(xs, vals, width=width * 0.95, label=stage)
        for b, v in zip(bars, vals):
            ax.text(b.get_x() + b.get_width() / 2, v + 0.01, f"{v:.0%}", ha="center", va="bottom", fontsize=7)
    ax.set_xticks(range(len(gens)))
    ax.set_xticklabels(gens, fontsize=8, rotation=15, ha="right")
    ax.set_ylim(0, 1.12)
    ax.set_ylabel("share of one-pass programs")
    ax.grid(True, axis="y", alpha=0.25)
    return _finish(fig, ax, path)


def history_figure(path: Path, title: str, history: dict[str, list[float | None]], *,
                   xlabel: str = "generation (0 = seeds)") -> Path:
    """Best fitness (lower is better) after each generation (or LLM call); a one-point series is a dotted
    level line."""
    fig, ax = plt.subplots(figsize=(8.5, 4.4))
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("best held-out fitness (mean log-ppl)")
    ax.grid(True, alpha=0.25)
    longest = max((len(v) for v in history.values()), default=1)
    drawn = 0
    for label, values in history.items():
        pts = [(g, v) for g, v in enumerate(values) if v is not None and v == v and v != float("inf")]
        if not pts:
            continue
        if len(values) == 1:   # best-of-N: no generations, one level to compare against
            ax.axhline(pts[0][1], linestyle=":", linewidth=1.2, label=label, color=f"C{drawn % 10}")
        else:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", markersize=3.5, linewidth=1.4,
                    label=label, color=f"C{drawn % 10}")
        drawn += 1
    if drawn:
        from matplotlib.ticker import MaxNLocator
        ax.set_xlim(-0.2, max(longest - 1, 1) + 0.2)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        _no_data(ax, "no program ran ok: nothing to plot")
    return _finish(fig, ax, path)
