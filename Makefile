# The two commands a fresh machine needs:
#   make demo   creates .venv, installs perfaudit, evaluates facts/2024 with rules/ and prints the findings
#   make test   creates .venv, installs perfaudit with test extras, runs the whole test suite
#               (first installing headless Chromium + CJK fonts for the browser test where missing and root)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test check bench clean

# the pip that venv bundles with Python >= 3.11 installs editable pyproject packages; upgrading it first
# cost a network round trip and ~4 s of every fresh `make test`. pip byte-compiles what it installs one file at a
# time (8 s of a 25 s install here); compileall on every core does the same in 2.4 s (an optimisation only: a
# module it cannot compile is compiled on import, so its failure does not stop the install)
INSTALL := $(BIN)/python -m pip install -q --no-compile --disable-pip-version-check
COMPILE := $(BIN)/python -m compileall -q -j 0
SITE = $$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')

$(BIN)/python:
	@$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	@$(INSTALL) -e .
	@$(COMPILE) -q $(SITE) || true
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	@$(INSTALL) -e '.[test]'
	@$(COMPILE) -q $(SITE) || true
	@touch $(VENV)/.installed $@

demo: $(VENV)/.installed
	@$(BIN)/perfaudit check
	@$(BIN)/perfaudit evaluate facts/2024

# two workers (pytest-xdist): the suite is CPU-bound and this machine has two cores; each worker stays
# far below 1 GiB (docs/performance.md, "Test suite"). worksteal: a worker that runs out takes tests queued for
# the other, so a few long tests left in one queue do not finish alone at the end
# compileall: the suite starts ~60 Python processes (the CLI, probes, bench/run.py); where the environment
# sets PYTHONDONTWRITEBYTECODE (this container does) each compiled the engine anew, 0.13 s of CPU per process
test: $(VENV)/.installed-test
	sh tools/ensure-chromium.sh
	@$(COMPILE) engine bench
	$(BIN)/python -m pytest -n 2 --dist worksteal

check: $(VENV)/.installed
	$(BIN)/perfaudit check facts

bench: $(VENV)/.installed
	$(BIN)/python bench/run.py --projects 1000 10000

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
