"""What every provider shares: the generation parameters, the completion it returns, the protocol."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

Messages = list[dict[str, str]]


@dataclass(frozen=True)
class GenerationParams:
    temperature: float | None = 0.7    # ignored by reasoning models, which refuse it
    max_tokens: int = 4096             # output tokens (max_completion_tokens / max_output_tokens / max_new_tokens)
    top_p: float | None = None
    reasoning_effort: str | None = None  # "minimal" | "low" | "medium" | "high", reasoning models only
    seed: int | None = None            # a provider adds the sample index, so samples differ but replay exactly
    timeout: float = 300.0             # seconds per HTTP attempt

    def key_fields(self) -> dict[str, Any]:
        """The fields that can change the reply; the timeout cannot, so it stays out of cache keys."""
        d = dataclasses.asdict(self)
        d.pop("timeout")
        return d

    def replace(self, **changes: Any) -> "GenerationParams":
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int | None = None
    completion_tokens: int | None = None   # includes reasoning tokens, which are billed as output
    reasoning_tokens: int | None = None

    @property
    def total_tokens(self) -> int | None:
        if self.prompt_tokens is None or self.completion_tokens is None:
            return None
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class Completion:
    text: str
    model: str                      # as the server reported it (may carry a date suffix)
    usage: Usage = field(default_factory=Usage)
    latency_s: float = 0.0          # of the successful attempt when it was made, not of a cache read
    cost_usd: float | None = None   # what producing it cost; None when the price is unknown (never a silent 0)
    finish_reason: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    cached: bool = False            # served from the cache or a cassette: nothing was paid now
    attempts: int = 1

    @property
    def spent_usd(self) -> float | None:
        """What this call cost now: nothing when it came from the cache."""
        return 0.0 if self.cached else self.cost_usd

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Completion":
        d = dict(d)
        d["usage"] = Usage(**(d.get("usage") or {}))
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})


# A real completion of a few tokens: what preflight asks a local engine before the first idea
# (a llama.cpp build that faults in its matmul kernels still answers /v1/models).
PROBE_MESSAGES: Messages = [{"role": "user", "content": "Reply with the single word: ok"}]
PROBE_PARAMS = GenerationParams(temperature=0.0, max_tokens=4, seed=0, timeout=120.0)


class GenerationError(Exception):
    """A call failed for good (not retryable, or out of retries). The message never holds an API key."""

    def __init__(self, message: str, *, attempts: int = 1, retryable: bool = False):
        super().__init__(message)
        self.attempts = attempts
        self.retryable = retryable


@runtime_checkable
class Provider(Protocol):
    kind: str            # openai | openai-compatible | local | replay
    model: str           # the model asked for
    max_concurrency: int | None  # None: no limit of its own

    def identity(self) -> dict[str, Any]:
        """What, besides the model, decides which backend answered: part of the cache key."""

    def complete(self, messages: Messages, params: GenerationParams, sample_index: int = 0) -> Completion:
        """One reply to ``messages``; raises GenerationError when it cannot get one."""
