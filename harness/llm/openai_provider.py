"""OpenAI, and any OpenAI-compatible endpoint (vLLM, Ollama, llama.cpp server, LiteLLM), through the official SDK.

Two API flavours: chat completions (``api="chat"``, what every compatible server speaks) and the
Responses API (``api="responses"``). Reasoning models (o1, o3, o4, gpt-5 families) refuse
``temperature`` and count output as ``max_completion_tokens`` / ``max_output_tokens``; they take a
``reasoning_effort`` instead.

The SDK's own retries are off (``max_retries=0``); :mod:`.retry` does them, so attempts are counted.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any, Mapping

import openai

from .base import Completion, GenerationError, GenerationParams, Messages, Usage
from .pricing import Price, cost_usd, load_prices
from .retry import RetryPolicy, Retryable, call_with_retries, parse_retry_after

REASONING_PREFIXES = ("o1", "o3", "o4", "gpt-5")
# What an OpenAI-compatible server without auth accepts; the SDK refuses an empty key.
PLACEHOLDER_KEY = "not-needed"


def is_reasoning_model(model: str) -> bool:
    name = model.split("/")[-1].lower()
    return any(name == p or name.startswith(p + "-") for p in REASONING_PREFIXES)


def classify(exc: BaseException) -> BaseException:
    """Map an SDK exception to :class:`Retryable` (try again) or :class:`GenerationError` (give up)."""
    if isinstance(exc, openai.APITimeoutError):  # subclass of APIConnectionError: test it first
        return Retryable(f"timeout: {exc}")
    if isinstance(exc, openai.APIConnectionError):
        return Retryable(f"connection error: {exc}")
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        retry_after = parse_retry_after(exc.response.headers if exc.response is not None else None)
        message = f"HTTP {status}: {_short(exc.message)}"
        # The same set the SDK itself retries: request timeout, lock conflict, rate limit, server errors.
        if status in (408, 409, 429) or status >= 500:
            return Retryable(message, retry_after)
        return GenerationError(message)  # 400, 401, 403, 404, 422: asking again will not help
    if isinstance(exc, (json.JSONDecodeError, openai.APIResponseValidationError)):
        # A 200 with a body that is not the promised JSON: a proxy hiccup more often than not.
        return Retryable(f"malformed response body: {_short(str(exc))}")
    return exc


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit] + "..."


class OpenAIProvider:
    max_concurrency = None

    def __init__(self, model: str, *, api: str = "chat", base_url: str | None = None,
                 api_key: str | None = None, api_key_env: str = "OPENAI_API_KEY",
                 reasoning: bool | None = None, retry: RetryPolicy = RetryPolicy(),
                 prices: Mapping[str, Price] | None = None, kind: str | None = None):
        if api not in ("chat", "responses"):
            raise ValueError(f"api must be 'chat' or 'responses', not {api!r}")
        self.kind = kind or ("openai" if base_url is None else "openai-compatible")
        self.model = model
        self.api = api
        self.base_url = base_url
        self.reasoning = is_reasoning_model(model) if reasoning is None else reasoning
        self.retry = retry
        self.prices = load_prices() if prices is None else prices
        key = api_key or os.environ.get(api_key_env)
        if not key:
            if self.kind == "openai":
                raise ValueError(f"no API key: set the environment variable {api_key_env} (or api_key_env in the config)")
            key = PLACEHOLDER_KEY
        # The key lives only inside the client object: never in identity(), params, errors or files.
        self._client = openai.OpenAI(api_key=key, base_url=base_url, max_retries=0)

    def identity(self) -> dict[str, Any]:
        return {"kind": self.kind, "api": self.api, "base_url": self.base_url}

    def probe(self, timeout: float = 10.0) -> None:
        """Reach the server once, in seconds, before any real call: list its models (free, no tokens).

        Raises GenerationError when nothing answers, the key is refused or the request times out. A
        server that answers but has no ``/models`` route (404) is reachable, which is all this asks.
        """
        try:
            self._client.models.list(timeout=timeout)
        except openai.NotFoundError:
            return
        except Exception as e:  # noqa: BLE001 - any other failure means the generator cannot be asked
            where = self.base_url or "the OpenAI API"
            raise GenerationError(f"{where} did not answer a models request within {timeout:.0f} s: "
                                  f"{type(e).__name__}: {_short(str(e))}") from None

    # -- request bodies -------------------------------------------------------------------------
    def chat_request(self, messages: Messages, params: GenerationParams, sample_index: int) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model, "messages": messages}
        if self.reasoning:
            body["max_completion_tokens"] = params.max_tokens
            if params.reasoning_effort:
                body["reasoning_effort"] = params.reasoning_effort
        else:
            # max_tokens, not max_completion_tokens: older compatible servers know only this one.
            body["max_tokens"] = params.max_tokens
            if params.temperature is not None:
                body["temperature"] = params.temperature
            if params.top_p is not None:
                body["top_p"] = params.top_p
        if params.seed is not None:
            body["seed"] = params.seed + sample_index
        return body

    def responses_request(self, messages: Messages, params: GenerationParams, sample_index: int) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model, "input": messages, "max_output_tokens": params.max_tokens,
                                "store": False}
        if self.reasoning:
            if params.reasoning_effort:
                body["reasoning"] = {"effort": params.reasoning_effort}
        else:
            if params.temperature is not None:
                body["temperature"] = params.temperature
            if params.top_p is not None:
                body["top_p"] = params.top_p
        return body  # the Responses API has no seed

    # -- calls ----------------------------------------------------------------------------------
    def _once(self, body: dict[str, Any], timeout: float) -> tuple[Any, float]:
        t0 = time.perf_counter()
        try:
            if self.api == "chat":
                resp = self._client.chat.completions.create(**body, timeout=timeout)
            else:
                resp = self._client.responses.create(**body, timeout=timeout)
            if isinstance(resp, str):  # the SDK hands back a body it could not decode as text
                raise json.JSONDecodeError("body is not JSON", resp[:100], 0)
            parsed = self._parse(resp)
        except Exception as e:  # noqa: BLE001 - classify decides; unknown errors re-raise below
            mapped = classify(e)
            if mapped is e:
                if isinstance(e, (AttributeError, KeyError, TypeError, IndexError)):
                    raise Retryable(f"malformed response body: {type(e).__name__}: {_short(str(e))}") from e
                raise
            raise mapped from e
        return parsed, time.perf_counter() - t0

    def _parse(self, resp: Any) -> tuple[str, Usage, str | None, str, dict]:
        raw = resp.model_dump(mode="json")
        if self.api == "chat":
            choice = resp.choices[0]
            text = choice.message.content or ""
            u = resp.usage
            details = getattr(u, "completion_tokens_details", None) if u else None
            usage = Usage(u.prompt_tokens if u else None, u.completion_tokens if u else None,
                          getattr(details, "reasoning_tokens", None) if details else None)
            finish = choice.finish_reason
        else:
            text = resp.output_text or ""
            u = resp.usage
            details = getattr(u, "output_tokens_details", None) if u else None
            usage = Usage(u.input_tokens if u else None, u.output_tokens if u else None,
                          getattr(details, "reasoning_tokens", None) if details else None)
            finish = resp.status if resp.status != "incomplete" else "length"
        return text, usage, finish, resp.model or self.model, raw

    def complete(self, messages: Messages, params: GenerationParams, sample_index: int = 0) -> Completion:
        build = self.chat_request if self.api == "chat" else self.responses_request
        body = build(messages, params, sample_index)
        try:
            ((text, usage, finish, model, raw), latency), attempts = call_with_retries(
                lambda: self._once(body, params.timeout), self.retry)
        except Retryable as e:
            n = getattr(e, "attempts", self.retry.max_attempts)
            raise GenerationError(f"gave up after {n} attempts: {e}", attempts=n, retryable=True) from None
        return Completion(text=text, model=model, usage=usage, latency_s=latency,
                          cost_usd=cost_usd(model, usage, self.prices), finish_reason=finish, raw=raw,
                          attempts=attempts)
