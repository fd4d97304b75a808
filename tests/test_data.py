"""Evaluation and calibration text from the shipped files, and the refusals of damaged copies."""

from __future__ import annotations

import hashlib
import random
import shutil

import pytest
import torch

from harness.core.data import (DataError, NoLongDocument, calib_documents, calibration, draw_windows, eval_text,
                          sample_windows, wikitext_rows)

TEST_JOINED_SHA = "696cca6b65a171b0a358a4be6732cdfdf2dd6164a32e20fd70e3c13fc4dfae83"   # "\n\n".join(test rows)
TEST_FILE_SHA = "173c87a53759e0201f33e0ccf978e510c2042d7f2cb78229d9a50d79b9e7dd08"
VALID_SPACE_JOINED_SHA = "353ad68be0d8717030dd78110471c415b3e44a6dd75080a6e9eb08a1c413b544"  # " ".join(valid rows)
C4_SHA = "cdd5b754119131d2934e3e799a059a9d64f53a6aac9e7e2ef79b43120bb01a32"


def sha(s: str) -> str:
    return hashlib.sha256(s.encode()).hexdigest()


# --- WikiText-2 test text, as Wanda builds it -------------------------------------------------------

def test_wikitext_test_rows_match_hf(data_dir):
    rows, file_sha = wikitext_rows(data_dir / "wikitext-2-raw" / "wiki.test.raw")
    assert len(rows) == 4358
    assert sum(r == "" for r in rows) == 1467
    assert rows[:4] == ["", " = Robert Boulter = \n", "", rows[3]] and rows[3].startswith(" Robert Boulter is")
    assert rows[-1] == "" and rows[-2].endswith("Eddie Pelkey . \n")
    assert file_sha == TEST_FILE_SHA


def test_eval_text_is_the_canonical_joined_string(data_dir):
    t = eval_text("wikitext2")
    assert sha(t.text) == TEST_JOINED_SHA
    assert len(t.text) == 1_294_336
    assert t.text.startswith("\n\n = Robert Boulter = \n\n\n\n\n Robert Boulter is")
    d = t.describe()
    assert d["source"] == "wikitext2:test" and d["join"] == "\n\n"
    assert d["sha256"] == TEST_FILE_SHA and d["text_sha256"] == TEST_JOINED_SHA
    assert d["origin"] == str(data_dir / "wikitext-2-raw" / "wiki.test.raw")


def test_wikitext_calibration_is_validation_space_joined(data_dir):
    docs, desc = calib_documents("wikitext2")
    assert len(docs) == 1 and sha(docs[0]) == VALID_SPACE_JOINED_SHA
    assert desc["source"] == "wikitext2:validation" and desc["join"] == " "


# --- calibration windows ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def c4_token_docs(tiny_tokenizer):
    docs, _ = calib_documents("c4")
    return [tiny_tokenizer(d)["input_ids"] for d in docs]


def _is_window_of(row: list[int], docs: list[list[int]]) -> bool:
    n = len(row)
    for d in docs:
        for i in range(len(d) - n + 1):
            if d[i] == row[0] and d[i:i + n] == row:
                return True
    return False


def test_c4_local_sample(data_dir):
    docs, desc = calib_documents("c4")
    assert len(docs) == 1000 and desc["documents"] == 1000
    assert docs[0].startswith("Beginners BBQ Class Taking Place in Missoula!")
    assert desc["sha256"] == C4_SHA and desc["source"] == "c4:train"


def test_c4_calibration_shape_determinism_and_content(tiny_tokenizer, c4_token_docs):
    a = calibration(tiny_tokenizer, "c4", nsamples=6, seqlen=64, seed=0)
    b = calibration(tiny_tokenizer, "c4", nsamples=6, seqlen=64, seed=0)
    c = calibration(tiny_tokenizer, "c4", nsamples=6, seqlen=64, seed=1)
    assert a.ids.shape == (6, 64) and a.ids.dtype == torch.long
    assert torch.equal(a.ids, b.ids)
    assert not torch.equal(a.ids, c.ids)
    assert a.describe["seed"] == 0 and a.describe["nsamples"] == 6 and a.describe["seqlen"] == 64
    assert a.describe["sha256"] == C4_SHA
    # Each window is a contiguous slice of one document, Wanda's get_c4 style.
    for row in a.ids.tolist():
        assert _is_window_of(row, c4_token_docs)


def authors_get_c4_windows(texts, tokenize, nsamples, seqlen, seed):
    """Wanda's get_c4 sampling loop (lib/data.py), transcribed longhand: global random, one document at a time."""
    random.seed(seed)
    trainloader = []
    for _ in range(nsamples):
        while True:
            i = random.randint(0, len(texts) - 1)
            trainenc = tokenize(texts[i])
            if len(trainenc) > seqlen:
                break
        i = random.randint(0, len(trainenc) - seqlen - 1)
        j = i + seqlen
        trainloader.append(trainenc[i:j])
    return trainloader


def authors_get_wikitext2_windows(stream, nsamples, seqlen, seed):
    random.seed(seed)
    out = []
    for _ in range(nsamples):
        i = random.randint(0, len(stream) - seqlen - 1)
        out.append(stream[i:i + seqlen])
    return out


def test_draw_sequence_is_get_c4_longhand():
    rng = random.Random(7)
    docs = [list(range(rng.randint(1, 300))) for _ in range(50)]   # most shorter than a window
    for seed in (0, 1, 1234):
        w, draw = sample_windows(docs.__getitem__, len(docs), nsamples=40, seqlen=200, seed=seed)
        assert draw == "get_c4"
        assert w.tolist() == authors_get_c4_windows(docs, list, 40, 200, seed)


def test_draw_sequence_of_one_document_is_get_wikitext2_longhand():
    stream = list(range(5000))
    w, draw = sample_windows(lambda _: stream, 1, nsamples=9, seqlen=300, seed=3)
    assert draw == "get_wikitext2" and w.tolist() == authors_get_wikitext2_windows(stream, 9, 300, 3)


def test_draw_asks_only_for_the_documents_it_draws():
    asked = []
    draw_windows(10_000, lambda i: asked.append(i) or 100, nsamples=5, seqlen=50, seed=0)
    assert len(asked) == 10   # one length per draw of (document, start): never the whole collection


def test_c4_windows_equal_the_authors_with_smollm2(smollm2):
    """The reviewer's check: seed 0, 128 x 2048, the same 1,000 documents and tokenizer as get_c4 gets."""
    docs, _ = calib_documents("c4")
    ours = calibration(smollm2.tokenizer, "c4", nsamples=128, seqlen=2048, seed=0)
    theirs = authors_get_c4_windows(docs, lambda t: smollm2.tokenizer(t, return_tensors="pt").input_ids[0].tolist(),
                                    128, 2048, 0)
    assert ours.describe["draw"] == "get_c4"
    assert ours.ids.tolist() == theirs


def test_sample_windows_falls_back_to_the_concatenated_stream():
    docs = [list(range(i * 10, i * 10 + 10)) for i in range(20)]  # no document longer than seqlen
    w, draw = sample_windows(docs.__getitem__, len(docs), nsamples=5, seqlen=16, seed=3)
    stream = [t for d in docs for t in d]
    assert w.shape == (5, 16) and draw == "stream"
    assert w.tolist() == authors_get_wikitext2_windows(stream, 5, 16, 3)
    assert any(row[0] // 10 != row[-1] // 10 for row in w.tolist())  # windows cross document borders
    with pytest.raises(DataError, match="200 tokens, fewer than one window of 256"):
        sample_windows(docs.__getitem__, len(docs), nsamples=1, seqlen=256, seed=0)
    with pytest.raises(NoLongDocument, match="10 tokens, not more than one window of 16"):
        sample_windows(docs.__getitem__, 1, nsamples=1, seqlen=16, seed=0)


# --- text:PATH for both roles -----------------------------------------------------------------------

def test_text_path_for_evaluation_and_calibration(text_file, tiny_tokenizer):
    raw = text_file.read_text(encoding="utf-8")
    t = eval_text(f"text:{text_file}")
    assert t.text == raw and t.source == f"text:{text_file}" and t.origin == str(text_file)
    assert t.sha256 == hashlib.sha256(text_file.read_bytes()).hexdigest() and t.join == ""
    cal = calibration(tiny_tokenizer, f"text:{text_file}", nsamples=3, seqlen=32, seed=0)
    assert cal.ids.shape == (3, 32)
    stream = tiny_tokenizer(raw)["input_ids"]
    for row in cal.ids.tolist():
        assert _is_window_of(row, [stream])
    assert cal.describe["source"] == f"text:{text_file}" and cal.describe["sha256"] == t.sha256


# --- refusals ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("content, says", [
    (b"", "file is empty"),
    (b" \n\n \n", "file is empty"),
    ("caf\u00e9 ".encode("latin-1") * 10, "not valid UTF-8 (byte 3"),
])
@pytest.mark.parametrize("role", ["eval", "calib"])
def test_text_file_refusals(tmp_path, content, says, role):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(DataError) as e:
        eval_text(f"text:{path}") if role == "eval" else calib_documents(f"text:{path}")
    assert str(path) in str(e.value) and says in str(e.value)


def test_missing_text_file(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        eval_text(f"text:{tmp_path / 'absent.txt'}")


def _data_copy(tmp_path, data_dir, content: bytes):
    root = tmp_path / "data"
    (root / "wikitext-2-raw").mkdir(parents=True)
    (root / "wikitext-2-raw" / "wiki.test.raw").write_bytes(content)
    return root


def _canonical(data_dir) -> bytes:
    return (data_dir / "wikitext-2-raw" / "wiki.test.raw").read_bytes()


def test_refuses_crlf_copy(tmp_path, data_dir, monkeypatch):
    root = _data_copy(tmp_path, data_dir, _canonical(data_dir).replace(b"\n", b"\r\n"))
    monkeypatch.setenv("PRUNEGEN_DATA_DIR", str(root))
    with pytest.raises(DataError) as e:
        eval_text("wikitext2")
    msg = str(e.value)
    assert "wiki.test.raw" in msg and "CRLF" in msg and "differs from the canonical 173c87a53759" in msg


@pytest.mark.parametrize("cut", [100_000, 1782])  # mid-line; inside a multi-byte UTF-8 character
def test_refuses_truncated_copy(tmp_path, data_dir, monkeypatch, cut):
    root = _data_copy(tmp_path, data_dir, _canonical(data_dir)[:cut])
    monkeypatch.setenv("PRUNEGEN_DATA_DIR", str(root))
    with pytest.raises(DataError) as e:
        eval_text("wikitext2")
    msg = str(e.value)
    assert "looks truncated" in msg and f"{cut:,} bytes, canonical 1,290,590" in msg


def test_refuses_truncated_copy_cut_at_a_line_end(tmp_path, data_dir):
    raw = _canonical(data_dir)
    root = _data_copy(tmp_path, data_dir, raw[:raw.rindex(b"\n", 0, 100_000) + 1])
    with pytest.raises(DataError, match="the file looks truncated"):
        eval_text("wikitext2", data_dir_=str(root))


def test_refuses_modified_copy(tmp_path, data_dir):
    raw = bytearray(_canonical(data_dir))
    raw[5000:5001] = b"X" if raw[5000:5001] != b"X" else b"Y"
    root = _data_copy(tmp_path, data_dir, bytes(raw))
    with pytest.raises(DataError, match="the file looks modified"):
        eval_text("wikitext2", data_dir_=str(root))


def test_refuses_empty_canonical_name(tmp_path, data_dir):
    root = _data_copy(tmp_path, data_dir, b"")
    with pytest.raises(DataError, match="wiki.test.raw: file is empty"):
        eval_text("wikitext2", data_dir_=str(root))


def test_missing_files_in_data_dir(tmp_path):
    (tmp_path / "empty").mkdir()
    for call, rel in [(lambda: eval_text("wikitext2", data_dir_=str(tmp_path / "empty")), "wikitext-2-raw/wiki.test.raw"),
                      (lambda: calib_documents("c4", data_dir_=str(tmp_path / "empty")), "c4-en-train-sample/c4_sample.jsonl"),
                      (lambda: calib_documents("wikitext2", data_dir_=str(tmp_path / "empty")), "wikitext-2-raw/wiki.valid.raw")]:
        with pytest.raises(DataError) as e:
            call()
        assert rel in str(e.value) and "not found under the data directory" in str(e.value)
        assert "PRUNEGEN_DATA_DIR" in str(e.value)


def test_refuses_c4_that_is_not_json_lines(tmp_path):
    (tmp_path / "c4-en-train-sample").mkdir()
    (tmp_path / "c4-en-train-sample" / "c4_sample.jsonl").write_text('{"text": "ok"}\n{"txt": "no text key"}\n')
    with pytest.raises(DataError, match="not JSON lines with a 'text' key"):
        calib_documents("c4", data_dir_=str(tmp_path))


def test_unknown_sources():
    with pytest.raises(DataError, match="unknown evaluation source 'c4'"):
        eval_text("c4")
    with pytest.raises(DataError, match="unknown calibration source 'ptb'"):
        calib_documents("ptb")
