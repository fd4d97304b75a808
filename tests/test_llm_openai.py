"""The real openai SDK against a scripted local HTTP server: retries, final errors, cache hits, request bodies."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from harness.llm import make_provider
from harness.llm.base import GenerationError, GenerationParams
from harness.llm.cache import CachedProvider, ResponseCache
from harness.llm.openai_provider import OpenAIProvider, is_reasoning_model
from harness.llm.retry import RetryPolicy

from fake_openai import FakeOpenAI

MESSAGES = [{"role": "system", "content": "You write pruners."}, {"role": "user", "content": "Prune by magnitude."}]
FAST = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05)
PARAMS = GenerationParams(temperature=0.3, max_tokens=256, timeout=5.0)


@pytest.fixture
def server():
    with FakeOpenAI() as s:
        yield s


def provider(server, model="gpt-4o-mini", api="chat", retry=FAST, **kw) -> OpenAIProvider:
    return OpenAIProvider(model, api=api, base_url=server.base_url, api_key="sk-test", retry=retry, **kw)


def test_chat_success_usage_and_cost(server):
    server.script = [("ok", "```python\ndef prune(model, sparsity, calib, **kw):\n    pass\n```")]
    c = provider(server).complete(MESSAGES, PARAMS, 0)
    assert "def prune" in c.text and c.attempts == 1 and not c.cached
    assert (c.usage.prompt_tokens, c.usage.completion_tokens) == (100, 20)
    assert c.cost_usd == pytest.approx((100 * 0.15 + 20 * 0.60) / 1e6)  # gpt-4o-mini list price
    body = server.requests[0]["body"]
    assert server.requests[0]["path"] == "/v1/chat/completions"
    assert body["messages"] == MESSAGES and body["temperature"] == 0.3 and body["max_tokens"] == 256
    assert server.requests[0]["headers"]["authorization"] == "Bearer sk-test"


def test_unknown_model_has_unknown_cost(server):
    c = provider(server, model="my-local-llama").complete(MESSAGES, PARAMS, 0)
    assert c.cost_usd is None


def test_429_honours_retry_after(server):
    server.script = [("status", 429, {"retry-after-ms": "300"}), ("status", 429, {"Retry-After": "1"}), ("ok", "done")]
    c = provider(server).complete(MESSAGES, PARAMS, 0)
    assert c.text == "done" and c.attempts == 3
    t = [r["t"] for r in server.requests]
    # The policy's own backoff is ~10 ms: only the server's wish explains these gaps.
    assert t[1] - t[0] >= 0.29
    assert t[2] - t[1] >= 0.99


def test_500_retried_then_succeeds(server):
    server.script = [("status", 500), ("status", 503), ("ok", "fine")]
    c = provider(server).complete(MESSAGES, PARAMS, 0)
    assert c.text == "fine" and c.attempts == 3 and len(server.requests) == 3


def test_500_until_retries_run_out(server):
    server.script = [("status", 502)]
    with pytest.raises(GenerationError) as err:
        provider(server).complete(MESSAGES, PARAMS, 0)
    assert len(server.requests) == FAST.max_attempts == err.value.attempts
    assert "502" in str(err.value) and err.value.retryable


def test_timeout_retried(server):
    server.script = [("slow", 1.5, "late"), ("ok", "on time")]
    t0 = time.monotonic()
    c = provider(server).complete(MESSAGES, PARAMS.replace(timeout=0.5), 0)
    assert c.text == "on time" and c.attempts == 2
    assert time.monotonic() - t0 < 1.4  # gave up on the slow answer instead of waiting for it


def test_timeout_final_error(server):
    server.script = [("slow", 1.0, "late")]
    with pytest.raises(GenerationError, match="timeout") as err:
        provider(server, retry=RetryPolicy(max_attempts=2, base_delay=0.01)).complete(MESSAGES, PARAMS.replace(timeout=0.3), 0)
    assert err.value.attempts == 2


def test_malformed_body_retried_then_final_error(server):
    server.script = [("malformed",), ("ok", "recovered")]
    c = provider(server).complete(MESSAGES, PARAMS, 0)
    assert c.text == "recovered" and c.attempts == 2
    server.requests.clear()
    server.script = [("malformed",)]
    with pytest.raises(GenerationError, match="malformed"):
        provider(server).complete(MESSAGES, PARAMS, 0)
    assert len(server.requests) == FAST.max_attempts


@pytest.mark.parametrize("code", [400, 401, 404])
def test_client_errors_not_retried(server, code):
    server.script = [("status", code)]
    with pytest.raises(GenerationError, match=str(code)) as err:
        provider(server).complete(MESSAGES, PARAMS, 0)
    assert len(server.requests) == 1 and not err.value.retryable


def test_connection_error_retried():
    p = OpenAIProvider("gpt-4o", base_url="http://127.0.0.1:9/v1", api_key="sk-test",
                       retry=RetryPolicy(max_attempts=2, base_delay=0.01))
    with pytest.raises(GenerationError, match="connection") as err:
        p.complete(MESSAGES, PARAMS, 0)
    assert err.value.attempts == 2


def test_reasoning_model_chat_parameters(server):
    p = provider(server, model="o3-mini")
    p.complete(MESSAGES, PARAMS.replace(reasoning_effort="high", seed=7), 2)
    body = server.requests[0]["body"]
    assert "temperature" not in body and "max_tokens" not in body and "top_p" not in body
    assert body["max_completion_tokens"] == 256 and body["reasoning_effort"] == "high"
    assert body["seed"] == 9  # seed + sample index: samples differ, reruns repeat


def test_responses_api(server):
    server.script = [("ok", "from responses")]
    c = provider(server, api="responses", model="gpt-4.1").complete(MESSAGES, PARAMS, 0)
    req = server.requests[0]
    assert req["path"] == "/v1/responses" and c.text == "from responses"
    assert req["body"]["max_output_tokens"] == 256 and req["body"]["temperature"] == 0.3
    assert c.usage.reasoning_tokens == 5 and c.cost_usd == pytest.approx((100 * 2.0 + 20 * 8.0) / 1e6)


def test_responses_api_reasoning(server):
    provider(server, api="responses", model="o4-mini").complete(MESSAGES, PARAMS.replace(reasoning_effort="low"), 0)
    body = server.requests[0]["body"]
    assert "temperature" not in body and body["reasoning"] == {"effort": "low"}


def test_reasoning_detection():
    assert all(map(is_reasoning_model, ["o1", "o1-preview", "o3", "o3-mini", "o4-mini", "gpt-5", "gpt-5-mini", "openai/o3"]))
    assert not any(map(is_reasoning_model, ["gpt-4o", "gpt-4.1-mini", "llama3", "omni-7b"]))


def test_cache_hit_makes_no_request(server, tmp_path):
    cached = CachedProvider(provider(server), ResponseCache(tmp_path / "cache"))
    first = cached.complete(MESSAGES, PARAMS, 0)
    again = cached.complete(MESSAGES, PARAMS.replace(timeout=99), 0)  # the timeout cannot change the reply
    assert len(server.requests) == 1 and again.cached and not first.cached
    assert again.text == first.text and again.spent_usd == 0.0 and again.cost_usd == first.cost_usd
    cached.complete(MESSAGES, PARAMS, 1)                       # another sample is another entry
    cached.complete(MESSAGES, PARAMS.replace(temperature=1.0), 0)  # and so are other parameters
    assert len(server.requests) == 3 and (cached.hits, cached.misses) == (1, 3)
    # A fresh process (new provider, same directory) hits too.
    again2 = CachedProvider(provider(server), ResponseCache(tmp_path / "cache")).complete(MESSAGES, PARAMS, 0)
    assert again2.cached and len(server.requests) == 3


def test_make_provider_compatible(server, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    p = make_provider({"kind": "openai-compatible", "base_url": server.base_url, "model": "qwen2.5-coder",
                       "retry": {"max_attempts": 2}})
    assert p.complete(MESSAGES, PARAMS, 0).text  # no key needed for a local server
    with pytest.raises(ValueError, match="OPENAI_API_KEY"):
        make_provider({"kind": "openai", "model": "gpt-4o"})
    with pytest.raises(ValueError, match="unknown provider settings"):
        make_provider({"kind": "local", "base_url": "http://x"})


def _all_text(root: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in root.rglob("*") if p.is_file())


def test_generate_cli_replay_and_key_never_written(server, tmp_path, monkeypatch, capsys):
    """End to end through the CLI: openai-compatible, then replay of the cassette with no server."""
    import argparse
    from harness.cli.generate import register

    def cli(*argv):
        parser = argparse.ArgumentParser()
        register(parser.add_subparsers(dest="command"))
        args = parser.parse_args(list(argv))
        return args.func(args)

    secret = "sk-proj-SECRETKEY-0123456789abcdef"
    monkeypatch.setenv("PRUNEGEN_TEST_KEY", secret)
    config = tmp_path / "gen.toml"
    config.write_text(f'[provider]\nkind = "openai-compatible"\nbase_url = "{server.base_url}"\n'
                      'api_key_env = "PRUNEGEN_TEST_KEY"\nretry = {{ max_attempts = 2, base_delay = 0.01 }}\n'
                      .replace("{{", "{").replace("}}", "}"))
    server.script = [("ok", "Here:\n```python\nimport torch\n\ndef prune(model, sparsity, calib, **kw):\n    pass\n```"),
                     ("ok", "I would rather not."), ("echo-auth", 400)]
    out, cache = tmp_path / "run", tmp_path / "cache"
    assert cli("generate", "--config", str(config), "--model", "gpt-4o", "--ideas", "random,l1-norm", "--samples", "2",
               "--concurrency", "1", "--out", str(out), "--cache-dir", str(cache), "--json") == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [(r["idea"], r["sample"]) for r in lines] == [("random", 0), ("random", 1), ("l1-norm", 0), ("l1-norm", 1)]
    assert [r["status"] for r in lines] == ["ok", "no-code", "generation-error", "generation-error"]
    assert all({"idea", "model", "sample", "status", "path"} <= set(r) for r in lines)
    py = Path(lines[0]["path"])
    assert py.read_text().startswith("# prunegen candidate") and "idea: random" in py.read_text()
    assert lines[1]["path"] is None and (out / lines[1]["meta_path"]).is_file()
    assert len(list((out / "raw").glob("*.json"))) == 2
    assert f"Bearer {secret}" in server.requests[-1]["headers"]["authorization"]  # it was sent ...
    assert secret not in _all_text(out) and secret not in _all_text(cache)       # ... and never written
    assert "[redacted]" in _all_text(out)

    # Rerun: finished samples are skipped, the failed ones asked again (and now succeed).
    server.script = [("ok", "```python\ndef prune(model, sparsity, calib, **kw):\n    pass\n```")]
    n_before = len(server.requests)
    assert cli("generate", "--config", str(config), "--model", "gpt-4o", "--ideas", "random,l1-norm", "--samples", "2",
               "--out", str(out), "--cache-dir", str(cache), "--json") == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [r["status"] for r in lines] == ["ok", "no-code", "ok", "ok"] and len(server.requests) == n_before + 2

    # Replay the recorded run: no server, no key, same candidates.
    server.requests.clear()
    monkeypatch.delenv("PRUNEGEN_TEST_KEY")
    out2 = tmp_path / "replayed"
    assert cli("generate", "--provider", "replay", "--cassette", str(out / "cassette.jsonl"), "--ideas",
               "random,l1-norm", "--samples", "2", "--out", str(out2), "--json") == 0
    replayed = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [r["status"] for r in replayed] == ["ok", "no-code", "ok", "ok"] and not server.requests
    assert all(r["model"] == "gpt-4o" and r["cached"] for r in replayed)
    assert Path(replayed[0]["path"]).read_text().split("\n\n", 1)[1] == py.read_text().split("\n\n", 1)[1]
    # A sample that was never recorded is a clear error naming idea and sample.
    assert cli("generate", "--provider", "replay", "--cassette", str(out / "cassette.jsonl"), "--ideas", "random",
               "--samples", "3", "--out", str(tmp_path / "r3"), "--json") == 0
    missing = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert missing["status"] == "generation-error" and "idea random sample 2" in missing["detail"]
