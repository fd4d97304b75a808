"""Evaluation and calibration text, exactly as Wanda and SparseGPT build them.

Sources are named by a short string:
  * ``wikitext2``  WikiText-2 raw (``wikitext-2-raw-v1``); test split for evaluation,
                   train split (HF) or validation file (offline) for calibration;
  * ``c4``         C4 ``en`` train shard 0 for calibration;
  * ``text:PATH``  any local UTF-8 text file, for either role.

Where the text comes from is decided by ``data_dir`` (argument) or ``PRUNEGEN_DATA_DIR`` (environment):
when either is set, the local copies under it are read (``wikitext-2-raw/wiki.test.raw``,
``wikitext-2-raw/wiki.valid.raw``, ``c4-en-train-sample/c4_sample.jsonl``); otherwise HF ``datasets``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch

WIKITEXT_JOIN = "\n\n"  # what GPTQ / SparseGPT / Wanda tokenize for evaluation
# sha256 of the canonical wikitext-2-raw-v1 zip members, so a damaged copy is caught, not silently scored.
CANONICAL_SHA256 = {
    "wiki.test.raw": "173c87a53759e0201f33e0ccf978e510c2042d7f2cb78229d9a50d79b9e7dd08",
    "wiki.valid.raw": "4cd0f6876d07a413aa911261ff6d363c72d757d47f0fdd6015702014c89cb9c7",
}
CANONICAL_BYTES = {"wiki.test.raw": 1_290_590, "wiki.valid.raw": 1_146_846}


class DataError(ValueError):
    """A data file or source is missing, empty, truncated or wrongly encoded."""


@dataclass(frozen=True)
class Text:
    """A text ready to tokenize, with what identifies it in a fingerprint."""
    text: str
    source: str                 # e.g. "wikitext2:test"
    origin: str                 # "hf:Salesforce/wikitext" or a file path
    sha256: str                 # of the file (local) or of the joined text (HF)
    join: str = ""
    extra: dict = field(default_factory=dict)

    def describe(self) -> dict:
        return {"source": self.source, "origin": self.origin, "sha256": self.sha256,
                "join": self.join, "text_sha256": hashlib.sha256(self.text.encode()).hexdigest(), **self.extra}


def data_dir(explicit: str | os.PathLike | None = None) -> Path | None:
    value = explicit or os.environ.get("PRUNEGEN_DATA_DIR")
    return Path(value).expanduser() if value else None


def read_text_file(path: Path) -> tuple[str, str]:
    """Return (text, sha256) of a UTF-8 file, refusing empty, undecodable and CRLF files."""
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    raw = path.read_bytes()
    if not raw.strip():
        raise DataError(f"{path}: file is empty")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DataError(f"{path}: not valid UTF-8 (byte {e.start}: {raw[e.start:e.start + 4]!r}); "
                        "re-export the file as UTF-8") from None
    return text, hashlib.sha256(raw).hexdigest()


def wikitext_rows(path: Path) -> tuple[list[str], str]:
    """The rows HF ``datasets`` yields for a canonical ``wiki.*.raw`` file, and the file's sha256.

    Each line is a row; a non-blank line keeps its ``"\\n"``; a blank line (``" "``) becomes ``""``.
    """
    name = path.name
    if name in CANONICAL_SHA256 and path.is_file():
        # Compare with the canonical hash before decoding, so that a copy cut inside a multi-byte
        # character is reported as truncated rather than as an encoding problem.
        raw = path.read_bytes()
        sha = hashlib.sha256(raw).hexdigest()
        if raw.strip() and sha != CANONICAL_SHA256[name]:
            size = len(raw)
            if b"\r" in raw:
                hint = "converted to CRLF line endings (the canonical file is LF and tokenizes differently)"
            else:
                hint = "truncated" if size < CANONICAL_BYTES[name] else "modified"
            raise DataError(f"{path}: sha256 {sha[:12]}… differs from the canonical {CANONICAL_SHA256[name][:12]}… "
                            f"({size:,} bytes, canonical {CANONICAL_BYTES[name]:,}); the file looks {hint}")
    text, sha = read_text_file(path)
    if "\r" in text:
        raise DataError(f"{path}: has CRLF line endings; the canonical file is LF and tokenizes differently")
    if not text.endswith("\n"):
        raise DataError(f"{path}: does not end with a newline; the file looks truncated")
    lines = text.split("\n")[:-1]  # split on "\n" only: str.splitlines() also splits on \x0b, \x1c, ...
    return [line + "\n" if line.strip() else "" for line in lines], sha


def _local(root: Path, rel: str) -> Path:
    path = root / rel
    if not path.is_file():
        raise DataError(f"{path}: not found under the data directory {root} (set by PRUNEGEN_DATA_DIR or data_dir)")
    return path


def _hf_wikitext_rows(split: str) -> list[str]:
    from datasets import load_dataset
    try:
        return list(load_dataset("wikitext", "wikitext-2-raw-v1", split=split)["text"])
    except Exception as e:  # hub unreachable, no cache: say what to do instead
        raise DataError(f"could not load wikitext-2-raw-v1/{split} from HF datasets ({type(e).__name__}: {e}); "
                        "set PRUNEGEN_DATA_DIR to a folder holding wikitext-2-raw/wiki.test.raw") from None


def eval_text(source: str = "wikitext2", *, data_dir_: str | None = None) -> Text:
    """The evaluation text: WikiText-2 test joined with ``"\\n\\n"``, or a local file as-is."""
    if source.startswith("text:"):
        path = Path(source[5:]).expanduser()
        text, sha = read_text_file(path)
        return Text(text, source, str(path), sha)
    if source != "wikitext2":
        raise DataError(f"unknown evaluation source {source!r}; use 'wikitext2' or 'text:PATH'")
    root = data_dir(data_dir_)
    if root is not None:
        path = _local(root, "wikitext-2-raw/wiki.test.raw")
        rows, sha = wikitext_rows(path)
        return Text(WIKITEXT_JOIN.join(rows), "wikitext2:test", str(path), sha, WIKITEXT_JOIN)
    rows = _hf_wikitext_rows("test")
    text = WIKITEXT_JOIN.join(rows)
    return Text(text, "wikitext2:test", "hf:wikitext/wikitext-2-raw-v1",
                hashlib.sha256(text.encode()).hexdigest(), WIKITEXT_JOIN)


def heldout_text(*, data_dir_: str | None = None) -> Text:
    """WikiText-2 validation, joined with ``"\\n\\n"`` exactly as the test split is for evaluation.

    For selection signals (evolution's fitness) that must never see the reported test windows.
    """
    root = data_dir(data_dir_)
    if root is not None:
        path = _local(root, "wikitext-2-raw/wiki.valid.raw")
        rows, sha = wikitext_rows(path)
        return Text(WIKITEXT_JOIN.join(rows), "wikitext2:validation", str(path), sha, WIKITEXT_JOIN)
    text = WIKITEXT_JOIN.join(_hf_wikitext_rows("validation"))
    return Text(text, "wikitext2:validation", "hf:wikitext/wikitext-2-raw-v1",
                hashlib.sha256(text.encode()).hexdigest(), WIKITEXT_JOIN)


def calib_documents(source: str = "c4", *, data_dir_: str | None = None) -> tuple[list[str], dict]:
    """Calibration documents and a description of where they came from."""
    if source.startswith("text:"):
        path = Path(source[5:]).expanduser()
        text, sha = read_text_file(path)
        return [text], {"source": source, "origin": str(path), "sha256": sha}
    root = data_dir(data_dir_)
    if source == "c4":
        if root is not None:
            path = _local(root, "c4-en-train-sample/c4_sample.jsonl")
            text, sha = read_text_file(path)
            try:
                docs = [json.loads(line)["text"] for line in text.splitlines() if line.strip()]
            except (json.JSONDecodeError, KeyError, TypeError) as e:
                raise DataError(f"{path}: not JSON lines with a 'text' key ({e})") from None
            return docs, {"source": "c4:train", "origin": str(path), "sha256": sha, "documents": len(docs),
                          "note": "first 1,000 documents of en/c4-train.00000-of-01024, not the full shard"}
        from datasets import load_dataset
        ds = load_dataset("allenai/c4", data_files={"train": "en/c4-train.00000-of-01024.json.gz"}, split="train")
        return list(ds["text"]), {"source": "c4:train", "origin": "hf:allenai/c4 en/c4-train.00000-of-01024"}
    if source == "wikitext2":
        if root is not None:  # the train split (10.9 MB) is not shipped offline; validation is held out from test
            rows, sha = wikitext_rows(_local(root, "wikitext-2-raw/wiki.valid.raw"))
            return [" ".join(rows)], {"source": "wikitext2:validation", "origin": str(root / "wikitext-2-raw/wiki.valid.raw"),
                                      "sha256": sha, "join": " "}
        return [" ".join(_hf_wikitext_rows("train"))], {"source": "wikitext2:train", "origin": "hf:wikitext", "join": " "}
    raise DataError(f"unknown calibration source {source!r}; use 'c4', 'wikitext2' or 'text:PATH'")


@dataclass(frozen=True)
class Calibration:
    """``ids``: LongTensor [nsamples, seqlen] of token ids; ``describe`` goes into fingerprints."""
    ids: torch.Tensor
    describe: dict


# The calibration draw's version: part of every job key (harness.run.scoring.Scorer), bumped whenever the
# same calibration config would give other windows. v2: the authors' exact get_c4 sequence.
DRAW = "authors-get_c4-v2"


class NoLongDocument(DataError):
    """No calibration document is longer than one window."""


def draw_windows(n_docs: int, length: Callable[[int], int], nsamples: int, seqlen: int,
                 seed: int) -> list[tuple[int, int]]:
    """(document index, first token) of each of ``nsamples`` windows of ``seqlen`` tokens.

    The exact draw sequence of Wanda's and SparseGPT's loaders, so the same documents, tokenizer and
    seed give the same windows. ``get_c4`` (``n_docs > 1``): seed Python's ``random``; per window,
    ``randint(0, n_docs - 1)`` over *all* documents until one has more than ``seqlen`` tokens, then
    ``randint(0, len - seqlen - 1)`` for its start. ``get_wikitext2`` (one document): only the start.
    SparseGPT's ``get_c4`` accepts ``len >= seqlen``, but its start draw then fails, so wherever it
    runs it draws what this does. ``length(i)`` is asked only for documents drawn, as the authors
    tokenize only those. Raises :class:`NoLongDocument` once every document has been seen too short
    (where the authors' loop would never end).
    """
    rng = random.Random(seed)   # the same Mersenne Twister stream as random.seed(seed)
    short: set[int] = set()
    out = []
    for _ in range(nsamples):
        i = 0
        if n_docs > 1:
            while True:
                i = rng.randint(0, n_docs - 1)
                if length(i) > seqlen:
                    break
                short.add(i)
                if len(short) == n_docs:
                    raise NoLongDocument(f"none of the {n_docs} documents is longer than {seqlen} tokens")
        elif length(0) <= seqlen:
            raise NoLongDocument(f"the calibration text has {length(0)} tokens, not more than one window of {seqlen}")
        out.append((i, rng.randint(0, length(i) - seqlen - 1)))
    return out


def sample_windows(doc_ids: Callable[[int], list[int]], n_docs: int, nsamples: int, seqlen: int,
                   seed: int) -> tuple[torch.Tensor, str]:
    """Windows of token ids by :func:`draw_windows`, and which draw made them.

    doc_ids(i): the token ids of document i (called once per document drawn). When no document is
    long enough (a short local sample), the documents are concatenated in order and the windows are
    cut from that one stream, ``get_wikitext2``-style: draw ``"stream"``, not the authors' windows.
    Returns (LongTensor [nsamples, seqlen], draw name).
    """
    ids = functools.cache(doc_ids)
    try:
        draws = draw_windows(n_docs, lambda i: len(ids(i)), nsamples, seqlen, seed)
        source, draw = ids, ("get_c4" if n_docs > 1 else "get_wikitext2")
    except NoLongDocument:
        if n_docs == 1:
            raise
        stream = [t for i in range(n_docs) for t in ids(i)]
        if len(stream) <= seqlen:
            raise DataError(f"calibration text has {len(stream)} tokens, fewer than one window of {seqlen}") from None
        draws = draw_windows(1, lambda _: len(stream), nsamples, seqlen, seed)
        source, draw = (lambda _: stream), "stream"
    out = torch.tensor([source(i)[start:start + seqlen] for i, start in draws], dtype=torch.long)
    return out.reshape(nsamples, seqlen), draw


def calibration(tokenizer, source: str = "c4", *, nsamples: int = 128, seqlen: int = 2048, seed: int = 0,
                data_dir_: str | None = None) -> Calibration:
    """``nsamples`` windows drawn as the authors' loaders draw them (:func:`draw_windows`).

    Each document is tokenized on its own with the tokenizer's default special tokens, as in
    ``get_c4``, and only when drawn: the full C4 shard (356k documents) is never tokenized whole.
    """
    docs, desc = calib_documents(source, data_dir_=data_dir_)
    ids, draw = sample_windows(lambda i: tokenizer(docs[i])["input_ids"], len(docs), nsamples, seqlen, seed)
    return Calibration(ids, {**desc, "nsamples": nsamples, "seqlen": seqlen, "seed": seed, "draw": draw})
