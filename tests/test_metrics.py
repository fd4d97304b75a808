"""pass@k and fix@r against hand-computed values."""

from __future__ import annotations

from itertools import combinations

import pytest

from harness.core.metrics import fix_at_r, pass_at_k


@pytest.mark.parametrize("n, c, k", [(5, 0, 1), (5, 1, 1), (5, 2, 2), (10, 3, 5), (4, 4, 2), (6, 1, 6)])
def test_pass_at_k_equals_brute_force_over_subsets(n, c, k):
    works = [True] * c + [False] * (n - c)
    subsets = list(combinations(range(n), k))
    expected = sum(any(works[i] for i in s) for s in subsets) / len(subsets)
    assert pass_at_k(n, c, k) == pytest.approx(expected)


def test_pass_at_1_is_the_success_rate():
    assert pass_at_k(10, 3, 1) == pytest.approx(0.3)


def test_pass_at_k_rejects_impossible_counts():
    with pytest.raises(ValueError):
        pass_at_k(3, 4, 1)
    with pytest.raises(ValueError):
        pass_at_k(2, 1, 3)


def test_fix_at_r():
    rounds = [0, None, 1, 3, None]
    assert fix_at_r(rounds, 0) == pytest.approx(1 / 5)
    assert fix_at_r(rounds, 1) == pytest.approx(2 / 5)
    assert fix_at_r(rounds, 3) == pytest.approx(3 / 5)
    with pytest.raises(ValueError):
        fix_at_r([], 1)
