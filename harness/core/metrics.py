"""Success metrics of generated programs: pass@k (Chen et al., 2021) and fix@r.

A program *works* when it generated, ran in the sandbox and passed validation at every level it was
run at (the report's "ok" outcome). Both metrics are computed per (generator, idea) and then averaged
over ideas, so an idea sampled more often does not weigh more.
"""

from __future__ import annotations

import math


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased estimator of P(at least one of k samples works), from n samples of which c work.

    1 - C(n-c, k) / C(n, k), computed as a stable product (Chen et al. 2021, Codex paper, Fig. 3).
    """
    if not 0 <= c <= n or k < 1:
        raise ValueError(f"need 0 <= c <= n and k >= 1, got n={n}, c={c}, k={k}")
    if k > n:
        raise ValueError(f"pass@{k} needs at least {k} samples, got {n}")
    if n - c < k:
        return 1.0
    return 1.0 - math.prod(1.0 - k / i for i in range(n - c + 1, n + 1))


def fix_at_r(first_working_round: list[int | None], r: int) -> float:
    """Fraction of one-pass programs that work after at most ``r`` repair rounds.

    first_working_round: per one-pass program, the first round (0 = the program itself) at which it
    or one of its repairs worked, or None. fix@0 equals the one-pass success rate.
    """
    if not first_working_round:
        raise ValueError("fix@r of no programs")
    return sum(1 for x in first_working_round if x is not None and x <= r) / len(first_working_round)


# Zero-shot scores (harness/run/zeroshot.py, lm-eval): which number a task's column shows, and the mean.
PERPLEXITY_LIKE = ("word_perplexity", "byte_perplexity", "bits_per_byte", "perplexity")


def zero_shot_headline(metrics: dict) -> tuple[str, float | None]:
    """(metric, value) a task's column shows: acc where the task has one (Wanda's tables), else its first metric."""
    for m in ("acc", "acc_norm", "exact_match", "mcc", "f1"):
        if m in metrics:
            return m, metrics[m]
    for m, v in metrics.items():
        return m, v
    return "", None


def zero_shot_mean(scores: dict) -> float | None:
    """Mean of the tasks' headline accuracies, perplexity-like tasks left out (Wanda's "Mean" column)."""
    vals = [v for ms in scores.values() for m, v in [zero_shot_headline(ms)]
            if m not in PERPLEXITY_LIKE and isinstance(v, (int, float)) and math.isfinite(v)]
    return sum(vals) / len(vals) if vals else None
