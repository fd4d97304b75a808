"""Get the Python file out of a model's reply.

Replies come in many shapes: prose around a fenced block, several blocks (a helper, then the real
thing, then "example usage"), no fence at all, a block cut off by the token limit, reasoning in
``<think>`` tags. The rule:

1. drop ``<think>...</think>`` reasoning;
2. among the fenced blocks that may be Python (labelled python/py/python3, or unlabelled), take the
   one that defines ``prune``, else the last one; a block left open at the end of the reply
   (truncated) counts too;
3. with no fenced block, take the reply itself, or its tail from the first code-looking line, when
   that parses as Python and defines something;
4. otherwise ``no-code``. Code that does not parse is ``syntax-error`` (and kept, for the record).
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass

from harness.core.interface import ENTRY_POINT, Status

PYTHON_LABELS = {"", "python", "py", "python3", "py3", "pycon", "python-repl"}
_FENCE = re.compile(r"^(?P<indent>[ \t]{0,3})(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n]*)$")
_THINK = re.compile(r"<think>.*?</think>", re.S | re.I)
def _defines(name: str) -> re.Pattern:
    return re.compile(rf"^\s*(async\s+)?def\s+{re.escape(name)}\s*\(", re.M)
_CODE_START = re.compile(r"^(import |from \S+ import |def |class |@|#!|# )")
# Fences glued to text ("Here it is: ```python" / "    return w```"): move them onto their own line.
_OPEN_MIDLINE = re.compile(r"(?m)^(?P<pre>[^\n`]*\S)[ \t]*(?P<fence>```+)(?P<label>[A-Za-z0-9_+-]*)[ \t]*$")
_CLOSE_MIDLINE = re.compile(r"(?m)^(?P<pre>[ \t]*\S[^\n`]*?)(?P<fence>```+)[ \t]*$")


@dataclass(frozen=True)
class Block:
    label: str
    code: str
    closed: bool


@dataclass(frozen=True)
class Extraction:
    status: Status          # OK, NO_CODE or SYNTAX_ERROR
    code: str | None
    detail: str

    @property
    def ok(self) -> bool:
        return self.status is Status.OK


def strip_reasoning(reply: str) -> str:
    reply = _THINK.sub("", reply)
    # A model stopped by the token limit mid-thought leaves "<think>" unclosed: nothing after it is an answer.
    head, sep, _ = reply.partition("<think>")
    return head if sep else reply


def _unglue_fences(text: str) -> str:
    out, inside = [], False
    for line in text.split("\n"):
        m = (_CLOSE_MIDLINE if inside else _OPEN_MIDLINE).match(line)
        if m and not _FENCE.match(line):
            line = m.group("pre").rstrip() + "\n" + m.group("fence") + ("" if inside else m.group("label"))
        if _FENCE.match(line.split("\n")[-1]):
            inside = not inside
        out.append(line)
    return "\n".join(out)


def fenced_blocks(text: str) -> list[Block]:
    """Markdown fenced blocks in order; a closing fence must use the opener's character and be no shorter."""
    blocks: list[Block] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m or (m.group("fence")[0] == "`" and "`" in m.group("info")):
            i += 1
            continue
        fence, label = m.group("fence"), m.group("info").strip().split(" ")[0].lower()
        body: list[str] = []
        i += 1
        closed = False
        while i < len(lines):
            c = _FENCE.match(lines[i])
            if c and c.group("fence")[0] == fence[0] and len(c.group("fence")) >= len(fence) and not c.group("info").strip():
                closed = True
                i += 1
                break
            body.append(lines[i])
            i += 1
        blocks.append(Block(label.lstrip("{.").rstrip("}"), textwrap.dedent("\n".join(body)).strip("\n") + "\n", closed))
    return blocks


def _syntax_error(code: str) -> str | None:
    try:
        ast.parse(code)
    except SyntaxError as e:
        return f"line {e.lineno}: {e.msg}"
    except ValueError as e:  # e.g. a NUL byte
        return str(e)
    return None


def _defines_something(code: str) -> bool:
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return False
    return any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom))
               for n in tree.body)


def _plain_code(text: str, entry: str) -> str | None:
    """The reply, or its tail from the first code-looking line, if it parses and defines something.

    Trailing prose after unfenced code is cut line by line from the end until the rest parses.
    """
    lines = text.strip("\n").splitlines()
    starts = [0] + [i for i, line in enumerate(lines) if _CODE_START.match(line)][:1]
    for start in starts:
        body = lines[start:]
        for end in range(len(body), 0, -1):
            code = "\n".join(body[:end]).strip("\n") + "\n"
            if _defines_something(code) and (end == len(body) or _defines(entry).search(code)):
                return code
            if len(body) - end > 40:  # a long prose tail is not what this recovers from
                break
    return None


def _finish(code: str, how: str, entry: str) -> Extraction:
    error = _syntax_error(code)
    if error:
        return Extraction(Status.SYNTAX_ERROR, code, f"{how}; does not parse: {error}")
    note = "" if _defines(entry).search(code) else f"; defines no {entry}()"
    return Extraction(Status.OK, code, how + note)


def extract_code(reply: str | None, entry: str = ENTRY_POINT) -> Extraction:
    """The program in a model's reply; ``entry`` is the function it should define (``prune``, or a
    score-form reply's ``score``), preferred when several blocks compete."""
    if not reply or not reply.strip():
        return Extraction(Status.NO_CODE, None, "empty reply")
    text = strip_reasoning(reply.replace("\r\n", "\n"))
    blocks = fenced_blocks(_unglue_fences(text))
    python = [b for b in blocks if b.label in PYTHON_LABELS and b.code.strip()]
    if python:
        with_entry = [b for b in python if _defines(entry).search(b.code)]
        chosen = (with_entry or python)[-1]
        how = (f"fenced block {python.index(chosen) + 1} of {len(python)}"
               + (f" ({chosen.label})" if chosen.label else " (unlabelled)")
               + ("" if chosen.closed else ", unclosed: reply truncated?"))
        return _finish(chosen.code, how, entry)
    if blocks:
        labels = ", ".join(sorted({b.label or "unlabelled" for b in blocks}))
        return Extraction(Status.NO_CODE, None, f"fenced blocks only in other languages ({labels})")
    code = _plain_code(text, entry)
    if code is not None:
        return _finish(code, "unfenced code", entry)
    return Extraction(Status.NO_CODE, None, "no fenced block and the reply is not Python")
