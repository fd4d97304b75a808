"""Cost of a call from its token usage and a price table (harness/llm/prices.toml, overridable)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib.resources import files
from typing import Mapping

from .base import Usage


@dataclass(frozen=True)
class Price:
    input: float    # USD per 1M prompt tokens
    output: float   # USD per 1M completion tokens (reasoning tokens included)


def load_prices(overrides: Mapping[str, Mapping[str, float]] | None = None) -> dict[str, Price]:
    """The built-in table, updated by ``overrides`` ({model: {input, output}}) from a config file."""
    table = tomllib.loads(files("harness.llm").joinpath("prices.toml").read_text(encoding="utf-8"))["models"]
    table = {**table, **(overrides or {})}
    return {name: Price(float(p["input"]), float(p["output"])) for name, p in table.items()}


def price_for(model: str, prices: Mapping[str, Price]) -> Price | None:
    name = model.split("/")[-1]  # "openai/gpt-4o" as LiteLLM spells it
    if name in prices:
        return prices[name]
    # Longest prefix followed by "-": "gpt-4o-mini-2024-07-18" -> gpt-4o-mini, not gpt-4o.
    matches = [k for k in prices if name.startswith(k + "-")]
    return prices[max(matches, key=len)] if matches else None


def cost_usd(model: str, usage: Usage, prices: Mapping[str, Price]) -> float | None:
    price = price_for(model, prices)
    if price is None or usage.prompt_tokens is None or usage.completion_tokens is None:
        return None
    return (usage.prompt_tokens * price.input + usage.completion_tokens * price.output) / 1e6
