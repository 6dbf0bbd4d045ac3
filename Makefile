# Two commands: `make run` starts the whole hub, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run test lint bench fuzz clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.run-deps: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-deps: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.run-deps $@

# On one machine the demo's ERP is Junction's own echo endpoint on loopback, which actions may
# call only when allowed (SSRF protection); production deployments leave this unset.
run: $(VENV)/.run-deps
	@OUTBOUND_ALLOWED_NETWORKS=$${OUTBOUND_ALLOWED_NETWORKS-127.0.0.1/32} $(PY) manage.py junction_run --port $(PORT)

test: $(VENV)/.dev-deps
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev-deps
	$(VENV)/bin/ruff check .

bench: $(VENV)/.dev-deps
	$(PY) -m bench $(BENCH)

fuzz: $(VENV)/.dev-deps
	$(PY) -m tests.fuzz

clean:
	rm -rf var/test
