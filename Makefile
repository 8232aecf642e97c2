# Two commands for users (see README.md):
#   make series   set up, execute every notebook, write executed copies, the reading site, offline slides
#                 and the student edition to build/
#   make test     set up, run the package tests and check every notebook with nbval
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt constraints.txt pyproject.toml | sha1sum | cut -c1-12)
NBVAL  := --nbval-lax --nbval-current-env --nbval-sanitize-with notebooks/nbval_sanitize.cfg

# Notebooks are executed, committed and checked under the same matplotlib backend.
export MPLBACKEND := module://matplotlib_inline.backend_inline
export PYTHONHASHSEED := 0

.PHONY: setup series test test-fast lab student refresh-notebooks benchmark clean zh zh-stale zh-update

setup: $(STAMP)

$(STAMP): requirements.txt constraints.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -q -r requirements.txt -c constraints.txt
	$(BIN)/python -m pip install --disable-pip-version-check -q --no-deps -e .
	rm -f $(VENV)/.installed-* && touch $@

# make series WEIGHTS=WAV2VEC2_BASE [SEED=1] [AUDIO=talk.flac]: the same series executed with other weights (a
# torchaudio bundle name, a torchaudio or Hugging Face checkpoint path, or random) and/or on another recording
# (any rate; channels averaged), into build/editions/<weights>[-audio-<recording>]/.
series: setup
	$(BIN)/python scripts/build_series.py $(if $(WEIGHTS)$(SEED)$(AUDIO),edition --weights "$(or $(WEIGHTS),random)"$(if $(SEED), --seed "$(SEED)")$(if $(AUDIO), --audio "$(AUDIO)"),build)

test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest tests notebooks $(NBVAL) -p no:cacheprovider

# The inner loop: the package's tests without the slow ones (no notebook, browser or full-size model
# runs; well under 30 s). `make test` runs everything.
test-fast: setup
	$(BIN)/python -m pytest tests/package -m "not slow" -p no:cacheprovider -q

# Jupyter refuses to run as root (containers, many classroom VMs) unless told --allow-root.
lab: setup
	$(BIN)/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root)

# Only the student edition (solutions replaced by stubs), from the committed notebooks.
student: setup
	$(BIN)/python scripts/build_series.py student

# The Chinese edition (build/zh/, also written by make series) from the committed notebooks; for
# translators: the texts whose translation is missing or stale, and the catalogs merged with the English
# (docs/translating.md).
zh: setup
	$(BIN)/python scripts/build_series.py zh

zh-stale: setup
	$(BIN)/python scripts/build_series.py stale

zh-update: setup
	$(BIN)/python scripts/build_series.py update-catalogs

# For authors: rebuild every notebooks/NN_*.ipynb from its py:percent source and execute it
# (counts 1..N, content-derived cell ids, no timing metadata). ONLY="03 04" limits it.
refresh-notebooks: setup
	$(BIN)/python scripts/build_series.py refresh $(if $(ONLY),--only $(ONLY))

benchmark: setup
	$(BIN)/python benchmarks/benchmark.py

clean:
	rm -rf build
