"""One number format for perplexities in the CLI, the report and evolution prompts."""

from __future__ import annotations

import math

from harness.core.numbers import fmt_ppl
from harness.run.pipeline import _line


def test_perplexities_read_the_same_everywhere():
    assert fmt_ppl(15.14669) == "15.147"
    assert fmt_ppl(999_999.4) == "999999.400"
    assert fmt_ppl(6.309999633274139e81) == "6.310e+81"
    assert fmt_ppl(math.inf) == "inf" and fmt_ppl(None) is None and fmt_ppl(math.nan) is None


def test_the_run_prints_a_collapsed_model_as_one_short_number():
    line = _line({"kind": "reference", "method": "movement", "pattern": "unstructured", "sparsity": 0.99,
                  "perplexity": 6.309999633274139e81, "status": "ok"})
    assert "6.310e+81" in line and len(line) < 120
    assert "ppl            -" in _line({"kind": "candidate", "method": "x", "pattern": "unstructured",
                                          "sparsity": 0.5, "perplexity": None, "status": "runtime-error"})
