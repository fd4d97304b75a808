"""Backoff arithmetic and Retry-After parsing, without a network."""

from __future__ import annotations

import email.utils
import random
import time

import pytest

from harness.llm.base import Usage
from harness.llm.pricing import cost_usd, load_prices, price_for
from harness.llm.retry import RetryPolicy, Retryable, backoff_delay, call_with_retries, parse_retry_after


def test_parse_retry_after_forms():
    assert parse_retry_after({"retry-after-ms": "250"}) == 0.25
    assert parse_retry_after({"retry-after": "3"}) == 3.0
    future = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= parse_retry_after({"retry-after": future}) <= 31
    assert parse_retry_after({"retry-after": "soon"}) is None and parse_retry_after({}) is None


def test_backoff_grows_with_jitter_and_cap():
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0)
    rng = random.Random(0)
    for n, (lo, hi) in enumerate([(0.5, 1), (1, 2), (2, 4), (4, 8), (4, 8), (4, 8)], 1):
        d = [backoff_delay(n, policy, rng) for _ in range(50)]
        assert lo <= min(d) and max(d) <= hi and len(set(d)) > 1


def test_call_with_retries_uses_server_wish_and_gives_up():
    waits = []
    calls = iter([Retryable("429", retry_after=7.0), Retryable("500"), "ok"])

    def fn():
        x = next(calls)
        if isinstance(x, Exception):
            raise x
        return x

    assert call_with_retries(fn, RetryPolicy(base_delay=0.1), sleep=waits.append) == ("ok", 3)
    assert waits[0] == 7.0 and 0.1 <= waits[1] <= 0.2  # second failure: base * 2, half of it jitter
    with pytest.raises(Retryable) as err:
        call_with_retries(lambda: (_ for _ in ()).throw(Retryable("down")), RetryPolicy(max_attempts=3), sleep=waits.append)
    assert err.value.attempts == 3
    with pytest.raises(Retryable):  # a server asking for an hour is not waited for
        call_with_retries(lambda: (_ for _ in ()).throw(Retryable("quota", retry_after=3600)), RetryPolicy(), sleep=waits.append)


def test_prices():
    prices = load_prices({"my-model": {"input": 1.0, "output": 2.0}})
    assert price_for("gpt-4o-mini-2024-07-18", prices) == prices["gpt-4o-mini"]
    assert price_for("gpt-4o-2024-08-06", prices) == prices["gpt-4o"]
    assert price_for("llama3", prices) is None
    assert cost_usd("my-model", Usage(1_000_000, 500_000), prices) == pytest.approx(2.0)
    assert cost_usd("llama3", Usage(10, 10), prices) is None
