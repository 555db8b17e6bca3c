# The convnet course. Every target sets up .venv on first use (and again only when
# pyproject.toml changes), so a fresh clone needs nothing but Python 3.11 and make.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
# A photo folder named relative to here stays right in kernels, which start in a notebook's folder.
ifdef COURSE_DATA_DIR
export COURSE_DATA_DIR := $(shell cd "$$COURSE_DATA_DIR" 2>/dev/null && pwd || printf %s "$$COURSE_DATA_DIR")
endif

.PHONY: help setup test test-browser run release lab grade bench hub clean

help:
	@echo "make run      build the course: release notebooks, execute every chapter, build/ (HTML + results.json)"
	@echo "make test     run the whole test suite (test-browser: only the JupyterLab-in-Chromium tests)"
	@echo "make lab      open the course in JupyterLab"
	@echo "make grade    grade your notebooks (all, or NB=notebooks/<name>/<name>.ipynb), hidden tests included"
	@echo "make release  regenerate notebooks/ from solutions/ (instructors)"
	@echo "make bench    measure speed and accuracy in full mode: benchmarks/results.md (BENCH_ARGS=\"--only SECTION\": one part)"
	@echo "make hub      set up and run the class's JupyterHub on this machine, as root (INSTRUCTORS.md)"
	@echo "make setup    only create .venv and install the course"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --editable '.[dev]'
	@touch $@

setup: $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-browser: $(STAMP)
	$(BIN)/python -m pytest -m browser $(PYTEST_ARGS)

release: $(STAMP)
	$(BIN)/convnet-course release

run: release
	$(BIN)/convnet-course build

lab: $(STAMP)
	$(BIN)/jupyter lab $(ROOT_FLAG) --ServerApp.default_url=/lab/tree/notebooks

grade: $(STAMP)
	$(BIN)/convnet-course grade $(NB)

bench: release
	$(BIN)/python benchmarks/bench.py $(BENCH_ARGS)

hub: release
	$(BIN)/convnet-course hub $(HUB_ARGS)

clean:
	rm -rf build .pytest_cache
