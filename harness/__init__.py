"""prunegen: ask LLMs to invent pruning algorithms for LLMs, and measure them against the human ones."""

__version__ = "0.1.0"
