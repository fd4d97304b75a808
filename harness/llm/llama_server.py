"""GGUF models served by llama.cpp: the fast local engine for the offline coders.

The harness starts llama-cpp-python's OpenAI-compatible server (``python -m llama_cpp.server``) on a
free loopback port on the first call, talks to it through the same OpenAI SDK path as any
``openai-compatible`` generator (retries, error mapping), and stops it when the provider is closed,
the interpreter exits, or the harness process dies (the server gets SIGTERM from the kernel then).

Why a server and not the in-process binding: the server is the exact thing a user points
``openai-compatible`` at when they run llama.cpp themselves, so both paths see the same replies,
and a crash of the native code cannot take the run (and its results store) down with it.

Measured on the 2-core CI machine (bench/generation.py): Qwen2.5-Coder-1.5B Q4_K_M decodes several
times faster here than transformers on the dequantised weights, in fp32 or bf16.
"""

from __future__ import annotations

import atexit
import ctypes
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import deque
from pathlib import Path
from typing import Any

from .base import Completion, GenerationError, GenerationParams, Messages, Usage

ENGINES = ("auto", "llama.cpp", "transformers")
DEFAULT_CONTEXT = 8192   # a prompt is ~2k tokens; a repair turn adds the program, its traceback and the reply
# Per call. An API's timeout (generation.timeout_s, 120 s by default) guards against a dead network;
# a local server has none, and on 2 busy cores a 1,024-token reply of the 1.5B coder can take minutes.
LOCAL_TIMEOUT_S = 1800.0


def llama_cpp_available() -> bool:
    return importlib.util.find_spec("llama_cpp") is not None


def default_threads() -> int:
    """Every core this process may use, at most 16 (decoding past that is memory-bound)."""
    return max(1, min(16, len(os.sched_getaffinity(0))))


def gguf_has_chat_template(path: Path) -> bool:
    from gguf import GGUFReader
    return "tokenizer.chat_template" in GGUFReader(str(path)).fields


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    """Runs in the child before exec: the kernel kills the server when the harness dies, even by SIGKILL.

    SIGKILL, not SIGTERM: on SIGTERM uvicorn shuts down gracefully, i.e. only after the request in
    flight, and an abandoned 1,024-token reply kept a dead run's server busy for a minute.
    """
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class LlamaServer:
    """One ``llama_cpp.server`` process serving one GGUF on 127.0.0.1; ``start()`` returns its base URL."""

    def __init__(self, gguf: Path, *, alias: str, threads: int, n_ctx: int = DEFAULT_CONTEXT,
                 startup_timeout_s: float = 600.0):
        self.gguf = Path(gguf)
        self.alias = alias
        self.threads = threads
        self.n_ctx = n_ctx
        self.startup_timeout_s = startup_timeout_s
        self.proc: subprocess.Popen | None = None
        self.base_url: str | None = None
        self._log: deque[str] = deque(maxlen=40)

    def command(self, port: int) -> list[str]:
        return [sys.executable, "-m", "llama_cpp.server", "--model", str(self.gguf), "--model_alias", self.alias,
                "--host", "127.0.0.1", "--port", str(port), "--n_threads", str(self.threads),
                "--n_threads_batch", str(self.threads), "--n_ctx", str(self.n_ctx), "--verbose", "False"]

    def start(self) -> str:
        if self.proc is not None and self.proc.poll() is None:
            return self.base_url
        port = _free_port()
        self.proc = subprocess.Popen(self.command(port), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, errors="replace",
                                     preexec_fn=_die_with_parent)
        threading.Thread(target=self._drain, daemon=True).start()
        atexit.register(self.stop)
        url = f"http://127.0.0.1:{port}/v1"
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise GenerationError(f"llama.cpp server for {self.gguf.name} exited with code {self.proc.returncode} "
                                      f"while starting: {self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{url}/models", timeout=2) as r:
                    if r.status == 200 and json.load(r).get("data"):
                        self.base_url = url
                        return url
            except OSError:
                pass
            time.sleep(0.25)
        self.stop()
        raise GenerationError(f"llama.cpp server for {self.gguf.name} did not answer within "
                              f"{self.startup_timeout_s:.0f} s: {self.log_tail()}")

    def _drain(self) -> None:
        for line in self.proc.stdout:  # keep the pipe empty, and the last lines for error messages
            self._log.append(line.rstrip())

    def log_tail(self, n: int = 8) -> str:
        return " | ".join(list(self._log)[-n:]) or "(no output)"

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def died(self, within_s: float = 2.0) -> bool:
        """True if the server has exited or does within ``within_s``: a crash closes the client's socket
        a moment before the process is reaped, so a bare ``poll()`` right after the error still sees it alive."""
        if self.proc is None:
            return False
        try:
            self.proc.wait(timeout=within_s)
        except subprocess.TimeoutExpired:
            return False
        return True

    def exit_reason(self) -> str:
        """How the server ended, e.g. "killed by SIGILL (illegal instruction)" or "exited with code 1"."""
        rc = None if self.proc is None else self.proc.poll()
        if rc is None:
            return "still running"
        if rc < 0:
            try:
                sig = signal.Signals(-rc)
            except ValueError:
                return f"killed by signal {-rc}"
            return f"killed by {sig.name} ({signal.strsignal(sig)})"
        return f"exited with code {rc}"

    def stop(self) -> None:
        """Kill the server; it holds nothing worth a graceful shutdown (which would finish the reply in flight)."""
        if self.alive():
            self.proc.kill()
            self.proc.wait()
        self.base_url = None


class LlamaCppProvider:
    """A GGUF model (built-in name or ``.gguf`` path) answering through a harness-managed llama.cpp server.

    Instruct models are asked through their own chat template (the one stored in the GGUF, which
    llama.cpp renders); a base model without one gets the same plain transcript as the transformers
    engine, on the completions endpoint. Sampling is seeded per sample, so a rerun reproduces it.
    """

    kind = "local"
    max_concurrency = 1   # the server answers one request at a time, with every core

    def __init__(self, model: str, *, threads: int | None = None, n_ctx: int = DEFAULT_CONTEXT):
        from harness.core.models import BUILTIN_GGUF, SplitGGUF, resolve

        kind, where = resolve(model)
        if kind not in ("builtin", "gguf"):
            raise ValueError(f"engine llama.cpp needs a GGUF model (a built-in name or a .gguf path); "
                             f"{model!r} is a {kind}: use engine = \"transformers\"")
        if not llama_cpp_available():
            raise ValueError("engine llama.cpp needs llama-cpp-python: pip install 'llama-cpp-python[server]' "
                             "(make setup installs it), or choose engine = \"transformers\"")
        self.model = model
        self.gguf = Path(where)
        entry = BUILTIN_GGUF.get(model)
        self._sha256 = entry.sha256 if isinstance(entry, SplitGGUF) else None
        self.threads = threads or default_threads()
        self.n_ctx = n_ctx
        self.chat_template = gguf_has_chat_template(self.gguf)
        self.server = LlamaServer(self.gguf, alias=model, threads=self.threads, n_ctx=n_ctx)
        self._client = None
        self._lock = threading.Lock()

    @property
    def gguf_sha256(self) -> str:
        if self._sha256 is None:
            from harness.core.models import file_sha256
            self._sha256 = file_sha256(self.gguf)
        return self._sha256

    def identity(self) -> dict[str, Any]:
        # Not the thread count: llama.cpp's CPU results do not depend on it for a given build.
        return {"kind": self.kind, "engine": "llama.cpp", "gguf_sha256": self.gguf_sha256}

    def _openai(self):
        from .openai_provider import OpenAIProvider
        from .retry import RetryPolicy

        if self._client is None or not self.server.alive():
            url = self.server.start()
            # One attempt: asking a busy local server again only queues a second reply behind the first.
            self._client = OpenAIProvider(self.model, base_url=url, kind="openai-compatible",
                                          retry=RetryPolicy(max_attempts=1), prices={})
        return self._client

    def complete(self, messages: Messages, params: GenerationParams, sample_index: int = 0) -> Completion:
        from .local import render_prompt_plain

        # Seeded like the transformers engine: sample k of a rerun is the same text.
        params = params.replace(seed=params.seed or 0, timeout=max(params.timeout, LOCAL_TIMEOUT_S))
        with self._lock:
            for attempt in (1, 2):
                client = self._openai()
                try:
                    if self.chat_template:
                        c = client.complete(messages, params, sample_index)
                        prompt_format = "chat-template (gguf, rendered by llama.cpp)"
                    else:
                        c = self._complete_plain(client, render_prompt_plain(messages), params, sample_index)
                        prompt_format = "plain"
                    break
                except GenerationError as e:
                    crashed = self.server.died()
                    # A timed-out reply is still being written by the server: kill it so the next call
                    # starts on an idle one. A crashed server is restarted once for this same call.
                    self.server.stop()
                    if crashed and attempt == 1:
                        continue
                    why = (f" (the llama.cpp server had crashed, {self.server.exit_reason()}: {self.server.log_tail()})"
                           if crashed else "")
                    raise GenerationError(f"{e}{why}", attempts=attempt) from None
        raw = {"engine": "llama.cpp", "prompt_format": prompt_format, "gguf": self.gguf.name,
               "gguf_sha256": self.gguf_sha256, "threads": self.threads, "n_ctx": self.n_ctx,
               "llama_cpp_version": _llama_cpp_version(), "response": c.raw}
        # No API bill: a known zero, unlike an unknown API price.
        return Completion(text=c.text, model=self.model, usage=c.usage, latency_s=c.latency_s, cost_usd=0.0,
                          finish_reason=c.finish_reason, raw=raw, attempts=attempt)

    def probe(self) -> None:
        """Start the server and have it write a few tokens; raises GenerationError if it cannot."""
        from .base import PROBE_MESSAGES, PROBE_PARAMS
        self.complete(PROBE_MESSAGES, PROBE_PARAMS)

    def _complete_plain(self, client, prompt: str, params: GenerationParams, sample_index: int) -> Completion:
        t0 = time.perf_counter()
        body: dict[str, Any] = {"model": self.model, "prompt": prompt, "max_tokens": params.max_tokens,
                                "temperature": params.temperature or 0.0, "seed": params.seed + sample_index,
                                "stop": ["\nUser:"]}
        if params.top_p is not None:
            body["top_p"] = params.top_p
        try:
            resp = client._client.completions.create(**body, timeout=params.timeout)
        except Exception as e:  # noqa: BLE001 - the server is ours: any failure is final for this call
            raise GenerationError(f"llama.cpp completion failed: {type(e).__name__}: {e}") from e
        u = resp.usage
        return Completion(text=resp.choices[0].text, model=self.model,
                          usage=Usage(u.prompt_tokens if u else None, u.completion_tokens if u else None),
                          latency_s=time.perf_counter() - t0, finish_reason=resp.choices[0].finish_reason,
                          raw=resp.model_dump(mode="json"))

    def close(self) -> None:
        self.server.stop()
        self._client = None


def _llama_cpp_version() -> str | None:
    import importlib.metadata
    try:
        return importlib.metadata.version("llama-cpp-python")
    except importlib.metadata.PackageNotFoundError:
        return None
