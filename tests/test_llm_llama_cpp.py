"""The llama.cpp engine: which engine a local model gets, and a real Qwen2.5-Coder-0.5B behind a real server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from harness.run.config import ConfigError, ExperimentConfig, GenerationConfig, GeneratorConfig, validate
from harness.llm import local_engine, make_provider
from harness.llm.base import GenerationError, GenerationParams
from harness.llm.llama_server import LlamaCppProvider, llama_cpp_available
from harness.llm.local import LocalProvider
from harness.run.prompting import load_ideas, render_messages

CODER = "qwen2.5-coder-0.5b"
REPO = Path(__file__).resolve().parents[1]


def test_auto_picks_llama_cpp_for_gguf_models_and_transformers_for_the_rest(tiny_dir, tiny_gguf):
    assert llama_cpp_available()   # make setup installs it; without it auto would quietly mean transformers
    assert local_engine(CODER) == "llama.cpp"
    assert local_engine(str(tiny_gguf)) == "llama.cpp"
    assert local_engine(str(tiny_dir)) == "transformers"
    assert local_engine("Qwen/Qwen2.5-Coder-1.5B-Instruct") == "transformers"   # a hub id: no GGUF to serve
    assert local_engine(CODER, "transformers") == "transformers"
    with pytest.raises(ValueError, match="local engine must be one of auto, llama.cpp, transformers"):
        local_engine(CODER, "vllm")


def test_the_transformers_engine_stays_selectable(tiny_dir):
    p = make_provider({"kind": "local", "model": str(tiny_dir), "engine": "transformers"})
    assert isinstance(p, LocalProvider) and p.identity() == {"kind": "local", "dtype": "float32"}


def test_llama_cpp_refuses_what_it_cannot_serve(tiny_dir):
    with pytest.raises(ValueError, match=r"engine llama.cpp needs a GGUF model .* is a hf-dir"):
        make_provider({"kind": "local", "model": str(tiny_dir), "engine": "llama.cpp"})
    with pytest.raises(ValueError, match=r"dtype = 'bfloat16' needs engine = \"transformers\""):
        make_provider({"kind": "local", "model": CODER, "dtype": "bfloat16"})


def test_a_config_names_a_bad_engine():
    cfg = ExperimentConfig(generation=GenerationConfig(generators=(GeneratorConfig(engine="fast"),)))
    with pytest.raises(ConfigError, match=r"generators\[0\]\.engine: 'fast'"):
        validate(cfg)


@pytest.fixture(scope="module")
def coder(user_cache):
    with user_cache():
        p = make_provider({"kind": "local", "model": CODER})
    yield p
    p.close()


def test_qwen_coder_writes_code_through_a_real_llama_cpp_server(coder):
    assert isinstance(coder, LlamaCppProvider) and coder.chat_template
    assert coder.identity() == {"kind": "local", "engine": "llama.cpp",
                                "gguf_sha256": "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"}
    messages = render_messages(load_ideas()["magnitude"])
    c = coder.complete(messages, GenerationParams(temperature=0.0, max_tokens=24), 0)
    assert c.model == CODER and c.cost_usd == 0.0 and c.raw["engine"] == "llama.cpp"
    assert c.usage.prompt_tokens > 1500 and 0 < c.usage.completion_tokens <= 24
    assert c.raw["prompt_format"].startswith("chat-template")
    assert "```" in c.text or "import" in c.text or "def " in c.text   # a coder answers with code
    again = coder.complete(messages, GenerationParams(temperature=0.0, max_tokens=24), 0)
    assert again.text == c.text                                      # greedy: the same reply


def test_sampled_replies_are_seeded_per_sample(coder):
    messages = render_messages(load_ideas()["random"])
    # 64 tokens: with the interface's snippets in the prompt, the first ~20 tokens of a program are near-certain
    params = GenerationParams(temperature=1.0, max_tokens=64, seed=7)
    # One call first, so every compared call finds the whole prompt in the server's KV cache: a prompt
    # prefilled in other chunks (part cached from an earlier prompt) gives logits that differ in the last
    # bits on some CPUs (measured on an AVX2-only EPYC: llama.cpp's matmul is not batch-invariant), and at
    # temperature 1 that can change a token. Reruns are reproduced by the response cache, not by this.
    coder.complete(messages, params, 0)
    a0, a1 = (coder.complete(messages, params, k).text for k in (0, 1))
    assert coder.complete(messages, params, 0).text == a0             # the same seed, the same draw
    assert a0 != a1                                                   # sample 1 is another draw


def test_a_timed_out_reply_is_killed_and_the_next_call_gets_an_idle_server(coder, monkeypatch):
    import harness.llm.llama_server as ls

    messages = render_messages(load_ideas()["l1-norm"])
    coder.complete(messages, GenerationParams(temperature=0.0, max_tokens=2), 0)   # a running server
    monkeypatch.setattr(ls, "LOCAL_TIMEOUT_S", 0.0)
    old_pid = coder.server.proc.pid
    with pytest.raises(GenerationError, match="timeout"):
        coder.complete(messages, GenerationParams(temperature=0.0, max_tokens=400, timeout=0.5), 0)
    assert not coder.server.alive() and _is_zombie_or_gone(old_pid)   # not left writing 400 tokens
    monkeypatch.setattr(ls, "LOCAL_TIMEOUT_S", 1800.0)
    c = coder.complete(messages, GenerationParams(temperature=0.0, max_tokens=4, timeout=0.5), 0)
    assert 0 < c.usage.completion_tokens <= 4 and coder.server.proc.pid != old_pid and c.attempts == 1


def test_a_crashed_server_is_restarted_for_the_same_call(coder):
    messages = render_messages(load_ideas()["random"])
    coder.complete(messages, GenerationParams(temperature=0.0, max_tokens=2), 0)
    crashed = coder.server.proc
    crashed.kill()
    crashed.wait()
    c = coder.complete(messages, GenerationParams(temperature=0.0, max_tokens=4), 0)
    assert 0 < c.usage.completion_tokens <= 4 and coder.server.proc.pid != crashed.pid


def test_the_server_dies_with_the_harness_even_mid_reply(user_cache):
    """A harness killed by SIGKILL (no atexit, no finally) while a long reply is being written leaves no
    llama.cpp server behind: the kernel kills it (a graceful SIGTERM would let it finish the reply)."""
    script = textwrap.dedent(f"""
        import threading, time
        from harness.llm import make_provider
        from harness.llm.base import GenerationError, GenerationParams
        p = make_provider({{"kind": "local", "model": "{CODER}"}})
        p.complete([{{"role": "user", "content": "hi"}}], GenerationParams(temperature=0.0, max_tokens=2))
        long = lambda: p.complete([{{"role": "user", "content": "Write a long essay."}}],
                                  GenerationParams(temperature=0.0, max_tokens=2000))
        threading.Thread(target=long, daemon=True).start()
        time.sleep(2)
        print(p.server.proc.pid, flush=True)
        time.sleep(600)
    """)
    with user_cache():
        harness = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                                   env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        server_pid = int(harness.stdout.readline())
        assert not _is_zombie_or_gone(server_pid)                      # alive, and busy, while the harness is
        harness.send_signal(signal.SIGKILL)
        harness.wait()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not _is_zombie_or_gone(server_pid):
            time.sleep(0.1)
        assert _is_zombie_or_gone(server_pid), f"llama.cpp server {server_pid} outlived its harness"
    finally:
        harness.kill()


def _is_zombie_or_gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1].startswith("Z")
    except FileNotFoundError:
        return True


def test_a_server_that_dies_just_after_the_error_counts_as_crashed(tmp_path):
    """A crash closes the socket a moment before the process is reaped: died() waits for it, and the
    reason names the signal (the preflight once reported a SIGILL as a bare 'connection error')."""
    import harness.llm.llama_server as ls

    server = ls.LlamaServer(tmp_path / "x.gguf", alias="x", threads=1)
    server.proc = subprocess.Popen([sys.executable, "-c",
                                    "import os, signal, time; time.sleep(0.5); os.kill(os.getpid(), signal.SIGILL)"])
    assert server.alive()
    assert server.died(within_s=10)
    assert server.exit_reason() == "killed by SIGILL (Illegal instruction)"
    quiet = ls.LlamaServer(tmp_path / "x.gguf", alias="x", threads=1)
    quiet.proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert not quiet.died(within_s=0.2) and quiet.exit_reason() == "still running"
    finally:
        quiet.proc.kill()
        quiet.proc.wait()
