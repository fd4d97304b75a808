"""How a perplexity is written wherever a person reads it: tables, the CLI, evolution prompts.

Three decimals up to a million, then scientific notation: a collapsed model's 6.3e81 stays one
readable token instead of 82 digits, and the same number reads the same in the CLI and the report.
"""

from __future__ import annotations

import math


def fmt_ppl(p: float | None) -> str | None:
    """``15.147``, ``4.600e+08``, ``inf``; None for a missing or NaN value (the caller says why)."""
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return None
    if math.isinf(p):
        return "inf"
    return f"{p:.3e}" if abs(p) >= 1e6 else f"{p:.3f}"
