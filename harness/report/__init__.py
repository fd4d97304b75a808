"""``prunegen report``: the paper's Tables 1-6 (and what the paper lacks) from a results store.

One pass over the store builds a list of tables (all cells already strings) and figures; the same
tables are then written as Markdown, as one self-contained HTML file (inline CSS, figures as base64
PNG) and as one CSV each, so the three can never disagree. Each table lists, under it, the
evaluation fingerprint(s) of the numbers in it.

  view.py              the store as the tables read it (Data), method and pattern order
  cells.py             what one cell says (perplexity, status, 'not applicable: why', 'not run')
  table.py             a table: string cells, notes, fingerprint lines
  programs.py          idea numbers and program labels, shared by Tables 4-10 and the figures
  levels.py            Tables 1-3        generation.py  Tables 4, 4b, 4c
  machine_vs_human.py  Tables 5, 6       runs.py        Tables 7-9
  evolution.py         Tables 10, 10b    figures.py     Figures 1-5 (plots.py draws them)
  zeroshot.py          Table 11 (lm-eval zero-shot scores)
  search.py            Table 12, Figure 6 (the discovery engine's finalists vs the humans)
  renderers.py         Markdown and HTML
  build.py             the entry: read, build, check, write
"""

from harness.core.numbers import fmt_ppl
from .build import Report, build_report, collect_tables, render
from .cells import NOT_RUN, fmt_level, job_cell
from .evolution import evolution_verdict, table_evolution
from .figures import Figure, make_figures
from .generation import table4, table4c
from .levels import table1, table2, table3
from .machine_vs_human import table5, table6
from .runs import table_cost, table_jobs, table_summary
from .table import Table
from .view import Data

__all__ = ["Data", "Figure", "NOT_RUN", "Report", "Table", "build_report", "collect_tables", "evolution_verdict",
           "fmt_level", "fmt_ppl", "job_cell", "make_figures", "render", "table1", "table2", "table3", "table4",
           "table4c", "table5", "table6", "table_cost", "table_evolution", "table_jobs", "table_summary"]
