"""A scripted OpenAI-compatible HTTP server on 127.0.0.1 for tests: the real SDK talks to it over HTTP.

Each request pops the next behaviour from a script (then repeats the last one):
  ("ok", text)              200 with a chat or responses body holding ``text``
  ("status", code, headers) an error status with an OpenAI-shaped error body and these headers
  ("slow", seconds, text)   waits, then answers 200 (a client with a shorter timeout gives up first)
  ("malformed",)            200 with a body that is not JSON
  ("echo-auth", code)       an error whose message repeats the Authorization header
Every request is recorded (path, headers, parsed body, time) so tests can assert what was sent.
``GET .../models`` answers a one-model list, as vLLM and llama.cpp's server do (no script step used;
recorded in ``gets``, not ``requests``).
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeOpenAI:
    def __init__(self):
        self.script: list[tuple] = [("ok", "```python\ndef prune(model, sparsity, calib, **kw):\n    pass\n```")]
        self.requests: list[dict] = []   # the POSTs (completions), in order
        self.gets: list[str] = []        # the paths of GETs (the preflight's models request)
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("content-length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                with fake._lock:
                    fake.requests.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body,
                                          "t": time.monotonic()})
                    step = fake.script.pop(0) if len(fake.script) > 1 else fake.script[0]
                fake._answer(self, step, body)

            def do_GET(self):
                # What a real OpenAI-compatible server answers at /v1/models (prunegen's preflight asks it).
                with fake._lock:
                    fake.gets.append(self.path)
                if self.path.rstrip("/").endswith("/models"):
                    models = {"object": "list", "data": [{"id": "test-model", "object": "model", "created": 0,
                                                          "owned_by": "test"}]}
                    fake._send(self, 200, json.dumps(models).encode())
                else:
                    fake._send(self, 404, json.dumps({"error": {"message": "no route", "type": "test"}}).encode())

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def _send(self, h, code: int, payload: bytes, headers: dict | None = None, content_type="application/json"):
        try:
            h.send_response(code)
            h.send_header("content-type", content_type)
            h.send_header("content-length", str(len(payload)))
            for k, v in (headers or {}).items():
                h.send_header(k, v)
            h.end_headers()
            h.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout test)

    def _answer(self, h, step: tuple, body: dict) -> None:
        kind = step[0]
        if kind == "status":
            code, headers = step[1], step[2] if len(step) > 2 else {}
            err = {"error": {"message": f"scripted {code}", "type": "test", "code": None}}
            self._send(h, code, json.dumps(err).encode(), headers)
        elif kind == "echo-auth":  # a badly behaved server that echoes the credentials in its error
            err = {"error": {"message": f"bad key {h.headers.get('authorization')}", "type": "test", "code": None}}
            self._send(h, step[1], json.dumps(err).encode())
        elif kind == "malformed":
            self._send(h, 200, b'{"id": "chatcmpl-1", "choices": [ {"mess', None)
        elif kind == "slow":
            time.sleep(step[1])
            self._send(h, 200, json.dumps(self._body(h.path, body, step[2])).encode())
        else:
            self._send(h, 200, json.dumps(self._body(h.path, body, step[1])).encode())

    @staticmethod
    def _body(path: str, request: dict, text: str) -> dict:
        model = request.get("model", "test-model")
        if path.endswith("/responses"):
            return {"id": "resp_1", "object": "response", "created_at": 0, "model": model, "status": "completed",
                    "output": [{"type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
                                "content": [{"type": "output_text", "text": text, "annotations": []}]}],
                    "usage": {"input_tokens": 100, "output_tokens": 20, "total_tokens": 120,
                              "input_tokens_details": {"cached_tokens": 0},
                              "output_tokens_details": {"reasoning_tokens": 5}},
                    "parallel_tool_calls": True, "tool_choice": "auto", "tools": []}
        return {"id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}}
