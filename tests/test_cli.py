"""``prunegen eval`` through ``harness.cli.main.main``."""

from __future__ import annotations

import json

import pytest

from harness.cli.main import main
from harness.core.data import eval_text
from harness.core.evaluate import EvalSetup, eval_windows
from harness.core.perplexity import naive_perplexity


def test_eval_json(tiny_dir, tiny_lm, text_file, capsys):
    rc = main(["eval", "--model", str(tiny_dir), "--data", f"text:{text_file}", "--seqlen", "32",
               "--max-windows", "2", "--json"])
    out, err = capsys.readouterr()
    assert rc == 0
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == 1, out
    d = json.loads(lines[0])
    for key in ("perplexity", "mean_nll", "tokens", "windows", "seqlen", "seconds", "tokens_per_second",
                "fingerprint", "fingerprint_digest", "load_seconds"):
        assert key in d, key
    assert d["tokens"] == 2 * 31 and d["windows"] == 2 and d["seqlen"] == 32 and d["seconds"] > 0
    fp = d["fingerprint"]
    assert fp["model_spec"] == str(tiny_dir) and fp["seqlen"] == 32 and fp["windows"] == 2
    assert fp["data"]["source"] == f"text:{text_file}" and fp["dtype"] == "float32" and fp["device"] == "cpu"
    windows = eval_windows(tiny_lm.tokenizer, eval_text(f"text:{text_file}"), EvalSetup(seqlen=32, max_windows=2))
    assert d["perplexity"] == pytest.approx(naive_perplexity(tiny_lm.model, windows), rel=1e-4)


def test_eval_plain_text(tiny_dir, text_file, capsys):
    rc = main(["eval", "--model", str(tiny_dir), "--data", f"text:{text_file}", "--seqlen", "32",
               "--max-windows", "1", "--batch-size", "2", "--dtype", "bf16"])
    out, _ = capsys.readouterr()
    assert rc == 0
    assert out.startswith(f"{tiny_dir}: perplexity ") and "over 1 windows x 32 tokens" in out and "[fingerprint " in out


@pytest.mark.parametrize("args, says", [
    (["--model", "/no/such/model/dir"], "cannot resolve model spec '/no/such/model/dir'; tried: built-in name"),
    (["--data", "text:/no/such/file.txt"], "/no/such/file.txt: no such file"),
    (["--data", "c4"], "unknown evaluation source 'c4'"),
    (["--seqlen", "100000"], "fewer than one window of 100000"),
    (["--dtype", "int3"], "unknown dtype 'int3'"),
])
def test_eval_errors_exit_2_with_message_on_stderr(tiny_dir, text_file, capsys, args, says):
    base = {"--model": str(tiny_dir), "--data": f"text:{text_file}", "--seqlen": "32", "--max-windows": "1"}
    for k, v in zip(args[::2], args[1::2]):
        base[k] = v
    rc = main(["eval", *[x for kv in base.items() for x in kv], "--json"])
    out, err = capsys.readouterr()
    assert rc == 2
    assert out == ""
    assert err.startswith("prunegen eval: error: ") and says in err, err
