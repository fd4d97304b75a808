"""Code extraction on the shapes replies really come in."""

from __future__ import annotations

import pytest

from harness.run.extract import extract_code
from harness.core.interface import Status

PRUNE = "import torch\n\n\ndef prune(model, sparsity, calib, *, pattern=\"unstructured\", device=\"cpu\", layers=None):\n    return None\n"

CORPUS = {
    # name: (reply, expected status, a substring the code must contain, or None for no code)
    "prose-around-python-block": (
        f"Sure! Here is a magnitude pruner.\n\n```python\n{PRUNE}```\n\nIt zeroes the smallest weights.", Status.OK, "def prune"),
    "py-label": (f"```py\n{PRUNE}```", Status.OK, "def prune"),
    "python3-label-and-attrs": (f"```python3 title=prune.py\n{PRUNE}```", Status.OK, "def prune"),
    "unlabelled-fence": (f"Code:\n```\n{PRUNE}```", Status.OK, "def prune"),
    "tilde-fence": (f"~~~python\n{PRUNE}~~~\n", Status.OK, "def prune"),
    "four-backticks-around-inner-fence": (
        f"````python\n# usage: ```prune(model, 0.5, calib)```\n{PRUNE}````", Status.OK, "def prune"),
    "several-blocks-prune-in-middle": (
        "First a helper:\n```python\ndef helper(w):\n    return w.abs()\n```\nNow the main function:\n"
        f"```python\n{PRUNE}```\nUsage:\n```python\nprune(model, 0.5, calib)\n```\n", Status.OK, "def prune"),
    "several-blocks-last-revision-wins": (
        f"```python\n{PRUNE}```\nOops, a fix:\n```python\n{PRUNE.replace('return None', 'return  # fixed')}```",
        Status.OK, "# fixed"),
    "several-blocks-none-define-prune": (
        "```python\ndef a():\n    pass\n```\n```python\ndef b():\n    pass\n```", Status.OK, "def b"),
    "bash-and-python": (f"```bash\npip install torch\n```\n```python\n{PRUNE}```", Status.OK, "def prune"),
    "bash-only": ("Run:\n```bash\npython prune.py --sparsity 0.5\n```", Status.NO_CODE, None),
    "no-fence-plain-code": (PRUNE, Status.OK, "def prune"),
    "no-fence-prose-then-code-then-prose": (
        f"Here is the implementation:\n\n{PRUNE}\nThis keeps the large weights.", Status.OK, "def prune"),
    "truncated-block-parses": (f"```python\n{PRUNE}", Status.OK, "def prune"),
    "truncated-block-mid-statement": (
        "```python\nimport torch\n\ndef prune(model, sparsity, calib, **kw):\n    for name, layer in layers.items(\n",
        Status.SYNTAX_ERROR, "layers.items("),
    "syntax-error-in-block": ("```python\ndef prune(model, sparsity, calib, **kw)\n    pass\n```", Status.SYNTAX_ERROR, "def prune"),
    "prose-only": ("Pruning removes weights with small magnitude. I hope this helps!", Status.NO_CODE, None),
    "single-word": ("Sure", Status.NO_CODE, None),
    "empty": ("", Status.NO_CODE, None),
    "think-then-answer": (
        "<think>Maybe:\n```python\ndef prune(:\n```\nno.</think>\nFinal:\n```python\n" + PRUNE + "```", Status.OK, "return None"),
    "think-unclosed": ("<think>I will write ```python\ndef prune(model", Status.NO_CODE, None),
    "fence-glued-to-prose": (f"Here it is: ```python\n{PRUNE.rstrip()}```\nDone.", Status.OK, "def prune"),
    "indented-fence-in-list": ("1. The code:\n   ```python\n   def prune(model, sparsity, calib, **kw):\n       pass\n   ```\n",
                               Status.OK, "def prune(model"),
    "crlf-line-endings": (f"```python\r\n{PRUNE.replace(chr(10), chr(13) + chr(10))}```\r\n", Status.OK, "def prune"),
    "json-block-only": ('```json\n{"sparsity": 0.5}\n```', Status.NO_CODE, None),
}


@pytest.mark.parametrize("name", list(CORPUS))
def test_corpus(name):
    reply, status, needle = CORPUS[name]
    ex = extract_code(reply)
    assert ex.status is status, (name, ex)
    if needle is None:
        assert ex.code is None
    else:
        assert needle in ex.code, (name, ex.code)
        assert "```" not in ex.code.splitlines()[-1] and "~~~" not in ex.code


def test_extracted_code_has_no_fence_lines():
    ex = extract_code(CORPUS["several-blocks-prune-in-middle"][0])
    assert ex.code == PRUNE and "block 2 of 3" in ex.detail


def test_truncated_block_is_reported():
    assert "unclosed" in extract_code(CORPUS["truncated-block-parses"][0]).detail
    assert "line" in extract_code(CORPUS["truncated-block-mid-statement"][0]).detail


def test_missing_prune_is_noted_but_left_to_the_loader():
    ex = extract_code("```python\ndef pruner(model):\n    pass\n```")
    assert ex.status is Status.OK and "defines no prune" in ex.detail


def test_a_score_form_reply_is_judged_by_its_own_entry_point():
    score = "import torch\n\ndef score(weight, act_norm, grad):\n    return weight.abs()\n"
    helper = "def helper(x):\n    return x\n"
    reply = f"First a helper:\n```python\n{helper}```\nThen the score:\n```python\n{score}```\nA note:\n```python\n{helper}```"
    ex = extract_code(reply, "score")
    assert ex.code == score and ex.detail == "fenced block 2 of 3 (python)"
    assert "defines no prune()" in extract_code(f"```python\n{score}```").detail
