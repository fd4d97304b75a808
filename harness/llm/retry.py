"""Retries with exponential backoff and jitter, honouring the server's Retry-After.

The openai SDK can retry by itself, but then attempts, waits and the final error are invisible to
the run record and untestable; so providers build the client with ``max_retries=0`` and call
:func:`call_with_retries`.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from dataclasses import dataclass
from typing import Callable, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6          # first try included
    base_delay: float = 1.0        # seconds before the second attempt, doubled each time after
    max_delay: float = 60.0
    max_retry_after: float = 300.0  # a server asking for longer than this is treated as a failure


@dataclass(frozen=True)
class Attempt:
    """One failed attempt, kept so the caller can record what happened."""
    number: int
    error: str
    wait_s: float


class Retryable(Exception):
    """Raised by a call to say "try again"; ``retry_after`` is the server's wish in seconds, if it had one."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


def parse_retry_after(headers) -> float | None:
    """Seconds to wait from ``retry-after-ms`` (OpenAI's) or ``Retry-After`` (seconds or an HTTP date)."""
    if headers is None:
        return None
    ms = headers.get("retry-after-ms")
    if ms is not None:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def backoff_delay(failures: int, policy: RetryPolicy, rng: random.Random | None = None) -> float:
    """Delay after the ``failures``-th failure: exponential, "equal jitter" so clients spread out
    yet never retry immediately."""
    rng = rng or random
    d = min(policy.max_delay, policy.base_delay * 2 ** (failures - 1))
    return d / 2 + rng.uniform(0, d / 2)


def call_with_retries(fn: Callable[[], T], policy: RetryPolicy, *, sleep: Callable[[float], None] = time.sleep,
                      on_retry: Callable[[Attempt], None] | None = None) -> tuple[T, int]:
    """Run ``fn`` until it returns, retrying while it raises :class:`Retryable`; return (result, attempts).

    Anything else ``fn`` raises propagates at once. When the attempts run out, the last
    :class:`Retryable` is re-raised with ``attempts`` set on it.
    """
    attempt = 0
    while True:
        attempt += 1
        try:
            return fn(), attempt
        except Retryable as e:
            if attempt >= policy.max_attempts:
                e.attempts = attempt
                raise
            if e.retry_after is not None:
                if e.retry_after > policy.max_retry_after:
                    e.attempts = attempt
                    raise
                wait = e.retry_after  # the server knows its quota better than our guess
            else:
                wait = backoff_delay(attempt, policy)
            log.info("attempt %d failed (%s); retrying in %.2f s", attempt, e, wait)
            if on_retry:
                on_retry(Attempt(attempt, str(e), wait))
            sleep(wait)
