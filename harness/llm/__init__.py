"""LLM providers behind one small interface (:class:`base.Provider`), and building one from a config dict.

A config dict (a ``[provider]`` table of a TOML config, or CLI flags) has:

    kind          openai | openai-compatible | local | replay
    model         model name (local: a harness.core.models spec, default smollm2-135m)
    api           chat | responses                      (openai kinds; default chat)
    base_url      endpoint of an OpenAI-compatible server (vLLM, Ollama, llama.cpp, LiteLLM)
    api_key_env   environment variable holding the key  (default OPENAI_API_KEY)
    api_key       the key itself (discouraged: prefer the environment)
    reasoning     true/false to override detection by model name
    retry         {max_attempts, base_delay, max_delay, max_retry_after}
    prices        {model: {input, output}} USD per 1M tokens, on top of prices.toml
    cassette      JSONL file (replay)
    engine        local: auto | llama.cpp | transformers. auto: llama.cpp for a GGUF model (built-in name or
                  .gguf path) when llama-cpp-python is installed, else transformers
    device, dtype (local, transformers engine)
    threads       local; transformers default 1 (0 = torch's default), llama.cpp default every core (<= 16)
    n_ctx         local, llama.cpp engine: context length of the server (default 8192)
"""

from __future__ import annotations

from typing import Any, Mapping

from .base import Completion, GenerationError, GenerationParams, Provider, Usage

__all__ = ["Completion", "GenerationError", "GenerationParams", "Provider", "Usage", "make_provider",
           "PROVIDER_KINDS", "DEFAULT_MODELS", "local_engine"]

PROVIDER_KINDS = ("openai", "openai-compatible", "local", "replay")
DEFAULT_MODELS = {"openai": "gpt-4o", "local": "smollm2-135m"}


def local_engine(model: str, engine: str = "auto") -> str:
    """Which engine runs a local model: ``auto`` picks llama.cpp (the fastest measured, bench/generation.py)
    for a GGUF model when llama-cpp-python is installed, transformers for everything else."""
    from .llama_server import ENGINES, llama_cpp_available

    if engine not in ENGINES:
        raise ValueError(f"local engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    if engine != "auto":
        return engine
    from harness.core.models import BUILTIN_GGUF
    is_gguf = model in BUILTIN_GGUF or model.endswith(".gguf")
    return "llama.cpp" if is_gguf and llama_cpp_available() else "transformers"


def make_provider(config: Mapping[str, Any]) -> Provider:
    cfg = {k: v for k, v in config.items() if v is not None}  # None: not set, use the default
    kind = cfg.pop("kind", None) or cfg.pop("provider", None)
    if kind not in PROVIDER_KINDS:
        raise ValueError(f"provider kind must be one of {', '.join(PROVIDER_KINDS)}, not {kind!r}")
    model = cfg.pop("model", None) or DEFAULT_MODELS.get(kind)
    if kind in ("openai", "openai-compatible"):
        from .openai_provider import OpenAIProvider
        from .pricing import load_prices
        from .retry import RetryPolicy

        base_url = cfg.pop("base_url", None)
        if kind == "openai-compatible" and not base_url:
            raise ValueError("provider openai-compatible needs a base_url (e.g. http://localhost:8000/v1)")
        if not model:
            raise ValueError(f"provider {kind} needs a model name")
        provider = OpenAIProvider(model, api=cfg.pop("api", "chat"), base_url=base_url, kind=kind,
                                  api_key=cfg.pop("api_key", None),
                                  api_key_env=cfg.pop("api_key_env", "OPENAI_API_KEY"),
                                  reasoning=cfg.pop("reasoning", None),
                                  retry=RetryPolicy(**cfg.pop("retry", {})),
                                  prices=load_prices(cfg.pop("prices", None)))
    elif kind == "local":
        engine = local_engine(model, cfg.pop("engine", "auto"))
        if engine == "llama.cpp":
            from .llama_server import DEFAULT_CONTEXT, LlamaCppProvider
            for key in ("device", "dtype"):
                if cfg.get(key) not in (None, "cpu", "float32"):
                    raise ValueError(f"engine llama.cpp runs the GGUF's own quantised weights on the CPU: "
                                     f"{key} = {cfg[key]!r} needs engine = \"transformers\"")
                cfg.pop(key, None)
            provider = LlamaCppProvider(model, threads=cfg.pop("threads", None),
                                        n_ctx=cfg.pop("n_ctx", DEFAULT_CONTEXT))
        else:
            from .local import LocalProvider
            provider = LocalProvider(model, device=cfg.pop("device", "cpu"), dtype=cfg.pop("dtype", "float32"),
                                     threads=cfg.pop("threads", 1))
    else:
        from .replay import ReplayProvider
        cassette = cfg.pop("cassette", None)
        if not cassette:
            raise ValueError("provider replay needs a cassette (a cassette.jsonl written by prunegen generate)")
        provider = ReplayProvider(cassette, model=model)
    if cfg:
        raise ValueError(f"unknown provider settings for {kind}: {', '.join(sorted(cfg))}")
    return provider
