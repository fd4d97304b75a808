"""Shared fixtures.

Fast tests run on a tiny random Llama (hidden 64, 2 layers, 4 heads / 2 kv heads, intermediate 128)
with a 384-entry byte-level BPE tokenizer trained here, so they need no model download and no cache.
``PRUNEGEN_CACHE`` points at a session tmp dir for the whole run, so no fast test reads or writes the
user's cache. Tests marked ``slow`` use the real default model through the ``smollm2`` fixture, which
loads it from the user's ordinary cache (``$PRUNEGEN_CACHE`` as it was before pytest started, else
``$XDG_CACHE_HOME/prunegen`` or ``~/.cache/prunegen``): on a fresh clone the first load dequantises
the GGUF once (~20 s) and every later run takes a few seconds.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Before anything imports huggingface_hub, which reads these once at import time: never touch the network.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import pytest  # noqa: E402
import torch  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).parent))
import tiny  # noqa: E402


def _only_this_checkout() -> None:
    """Test the code of this checkout, never another one's.

    A setuptools editable install of prunegen from another checkout (e.g. a shared ``.venv`` made in
    the main worktree) puts a finder on ``sys.meta_path`` that serves any ``harness.*`` module this
    checkout lacks from that other tree, so a test here would silently import foreign code. Drop it.
    """
    for finder in list(sys.meta_path):
        mapping = getattr(sys.modules.get(getattr(finder, "__module__", "")), "MAPPING", None)
        if isinstance(mapping, dict) and "harness" in mapping and Path(mapping["harness"]).resolve() != REPO / "harness":
            sys.meta_path.remove(finder)
    import harness
    assert Path(harness.__file__).resolve().parent == REPO / "harness", \
        f"harness is imported from {harness.__file__}, not from {REPO}: put {REPO} first on PYTHONPATH"


_only_this_checkout()
# Where the shipped WikiText-2 / C4 copies are; the Makefile sets the same default.
DATA_DIR = Path(os.environ.get("PRUNEGEN_DATA_DIR") or REPO.parent / "shared" / "data")
USER_CACHE = os.environ.get("PRUNEGEN_CACHE")  # the user's own setting, restored for real-model loads

torch.set_num_threads(min(2, torch.get_num_threads()))


@pytest.fixture(scope="session", autouse=True)
def isolated_cache(tmp_path_factory):
    """Every test sees an empty session-wide ``PRUNEGEN_CACHE`` unless it asks for the real one."""
    path = tmp_path_factory.mktemp("prunegen-cache")
    old = os.environ.get("PRUNEGEN_CACHE")
    os.environ["PRUNEGEN_CACHE"] = str(path)
    yield path
    if old is None:
        os.environ.pop("PRUNEGEN_CACHE", None)
    else:
        os.environ["PRUNEGEN_CACHE"] = old


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The shipped data directory; the data tests are about these exact files, so their absence is a failure."""
    assert (DATA_DIR / "wikitext-2-raw" / "wiki.test.raw").is_file(), \
        f"no WikiText-2 copy under {DATA_DIR}: set PRUNEGEN_DATA_DIR to the folder holding wikitext-2-raw/"
    return DATA_DIR


@pytest.fixture(autouse=True)
def _data_env(monkeypatch):
    monkeypatch.setenv("PRUNEGEN_DATA_DIR", str(DATA_DIR))


@pytest.fixture(scope="session")
def corpus() -> str:
    """~200 KB of English: the head of the WikiText-2 validation file (held out from the test split)."""
    path = DATA_DIR / "wikitext-2-raw" / "wiki.valid.raw"
    return path.read_text(encoding="utf-8")[:200_000] if path.is_file() else tiny.FALLBACK_TEXT


@pytest.fixture(scope="session")
def tiny_tokenizer(corpus):
    return tiny.train_tokenizer(corpus)


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory, tiny_tokenizer) -> Path:
    """A saved tiny random ``LlamaForCausalLM`` + tokenizer (an HF directory). Treat as read-only."""
    return tiny.build_tiny_llama(tmp_path_factory.mktemp("tiny-llama"), tiny_tokenizer)


@pytest.fixture(scope="session")
def tiny_lm(tiny_dir):
    """``load_model(tiny_dir)``: shared, so tests that modify weights must use ``fresh_tiny_lm``."""
    from harness.core.models import load_model
    return load_model(str(tiny_dir))


@pytest.fixture
def fresh_tiny_lm(tiny_dir):
    from harness.core.models import load_model
    return load_model(str(tiny_dir))


@pytest.fixture(scope="session")
def tiny_gguf(tmp_path_factory, tiny_dir) -> Path:
    """The tiny model written as an F32 GGUF (llama.cpp tensor names and q/k layout)."""
    return tiny.write_tiny_gguf(tmp_path_factory.mktemp("tiny-gguf") / "tiny-llama-f32.gguf", tiny_dir)


@pytest.fixture(scope="session")
def text_file(tmp_path_factory, corpus) -> Path:
    """A plain UTF-8 text file of ~20 KB (a few thousand tiny-tokenizer tokens)."""
    path = tmp_path_factory.mktemp("text") / "sample.txt"
    path.write_text(corpus[:20_000], encoding="utf-8")
    return path


class _UserCache:
    """Context manager: ``PRUNEGEN_CACHE`` as the user had it, for loads of the real model."""

    def __enter__(self):
        self.saved = os.environ.get("PRUNEGEN_CACHE")
        if USER_CACHE is None:
            os.environ.pop("PRUNEGEN_CACHE", None)
        else:
            os.environ["PRUNEGEN_CACHE"] = USER_CACHE

    def __exit__(self, *exc):
        if self.saved is None:
            os.environ.pop("PRUNEGEN_CACHE", None)
        else:
            os.environ["PRUNEGEN_CACHE"] = self.saved


@pytest.fixture(scope="session")
def user_cache():
    return _UserCache


@pytest.fixture(scope="session")
def smollm2(user_cache):
    """The real default model (SmolLM2-135M, fp32, CPU), loaded once per session from the user's cache."""
    from harness.core.models import load_model
    with user_cache():
        return load_model("smollm2-135m")


# --- Sandbox fixtures: a tiny Llama with a 256-id byte tokenizer, saved world-readable, so a
# sandboxed job (a container run as a non-root user) takes a second or two.

def make_tiny_llama(path: Path, seed: int = 0) -> Path:
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                         num_key_value_heads=2, vocab_size=256, max_position_embeddings=128,
                         tie_word_embeddings=False)
    model = LlamaForCausalLM(config).eval()
    model.save_pretrained(str(path), safe_serialization=True)
    save_byte_tokenizer(path)
    for f in path.iterdir():  # save_file makes 0600 files; readable ones are mounted as they are, not copied
        f.chmod(0o644)
    return path


def save_byte_tokenizer(path: Path) -> None:
    """A byte-level tokenizer with exactly 256 ids (one per byte), so real text fits the tiny vocabulary."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    alphabet = pre_tokenizers.ByteLevel.alphabet()
    tok = Tokenizer(models.BPE(vocab={c: i for i, c in enumerate(sorted(alphabet))}, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    PreTrainedTokenizerFast(tokenizer_object=tok).save_pretrained(str(path))


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    return make_tiny_llama(tmp_path_factory.mktemp("tiny-llama"))


@pytest.fixture(scope="session")
def tiny_calib() -> torch.Tensor:
    g = torch.Generator().manual_seed(0)
    return torch.randint(0, 256, (4, 32), generator=g)


@pytest.fixture(scope="session")
def sandbox_tmp(tmp_path_factory) -> Path:
    """A dedicated temp root for job folders, so the tests can assert nothing is left in it."""
    root = tmp_path_factory.mktemp("sandbox-root") / "jobs"
    os.environ["PRUNEGEN_SANDBOX_TMP"] = str(root)
    return root
