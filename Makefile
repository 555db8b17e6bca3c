# The convnet course. Every target sets up .venv on first use (and again only when
# pyproject.toml changes), so a fresh clone needs nothing but Python 3.11 and make.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
# Keras's backend, a pyproject.toml extra: cpu (default), gpu (TensorFlow's CUDA build: an NVIDIA
# GPU on Linux) or none (keep the TensorFlow .venv has). The choice is kept in .venv/.backend.
BACKEND ?= $(or $(shell cat $(VENV)/.backend 2>/dev/null),cpu)
EXTRAS := $(if $(filter none,$(BACKEND)),dev,$(BACKEND),dev)
# A photo folder named relative to here stays right in kernels, which start in a notebook's folder.
ifdef COURSE_DATA_DIR
export COURSE_DATA_DIR := $(shell cd "$$COURSE_DATA_DIR" 2>/dev/null && pwd || printf %s "$$COURSE_DATA_DIR")
endif

.PHONY: help setup lint test test-browser run release lab update kit backup grade bench hub clean

help:
	@echo "make lab      open your own copy of the notebooks (my-work/, made on first use) in JupyterLab"
	@echo "make update   after git pull: bring the course's new notebooks into my-work/, beside yours (never overwrites)"
	@echo "make grade    grade your notebooks in my-work/ (all, or NB=my-work/<name>/<name>.ipynb), hidden tests included"
	@echo "make run      build the course into build/: every chapter executed, as released (safe to publish; BUILD_ARGS=--solutions adds build/instructor/)"
	@echo "make test     the formatter and linter (make lint), then the whole test suite (test-browser: only the JupyterLab-in-Chromium tests)"
	@echo "make kit      the student kit for a laptop class: build/convnet-course-kit.zip (release notebooks + wheel, no solutions)"
	@echo "make backup   one archive of the class's records: gradebook, submissions, feedback, grades (BACKUP_ARGS=\"--exchange DIR\" on a hub)"
	@echo "make release  regenerate notebooks/ from solutions/ (instructors)"
	@echo "make bench    measure speed and accuracy in full mode: benchmarks/results.md (BENCH_ARGS=\"--only SECTION\": one part)"
	@echo "make hub      set up and run the class's JupyterHub on this machine, as root (INSTRUCTORS.md)"
	@echo "make setup    only create .venv and install the course (BACKEND=gpu: TensorFlow for an NVIDIA GPU)"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --editable '.[$(EXTRAS)]'
	@echo $(BACKEND) > $(VENV)/.backend
	@touch $@

setup: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-browser: $(STAMP)
	$(BIN)/python -m pytest -m browser $(PYTEST_ARGS)

release: $(STAMP)
	$(BIN)/convnet-course release

run: release
	$(BIN)/convnet-course build $(BUILD_ARGS)

lab: $(STAMP)
	$(BIN)/convnet-course update
	$(BIN)/jupyter lab $(ROOT_FLAG) --ServerApp.default_url=/lab/tree/my-work

update: $(STAMP)
	$(BIN)/convnet-course update

kit: release
	$(BIN)/convnet-course kit

backup: $(STAMP)
	$(BIN)/convnet-course backup $(BACKUP_ARGS)

grade: $(STAMP)
	$(BIN)/convnet-course grade $(NB)

bench: release
	$(BIN)/python -m course_tools.bench $(BENCH_ARGS)

hub: release
	$(BIN)/convnet-course hub $(HUB_ARGS)

clean:
	rm -rf build .pytest_cache
