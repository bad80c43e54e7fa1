# Two commands a learner needs: `make lab` and `make test` (both create .venv when needed).
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: lab test setup course student html clean

$(STAMP): requirements.txt pyproject.toml
	@command -v $(PY) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PY) not found); set PY=/path/to/python3.11"; exit 1; }
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

setup: $(STAMP)

lab: $(STAMP)  ## open JupyterLab at the course start page
	$(BIN)/jupyter lab README.md

test: $(STAMP)  ## unit tests, notebook checks, nbval over every day, lint
	$(BIN)/python -m pytest -q --nbval --nbval-current-env --nbval-sanitize-with tests/sanitize.cfg -p no:randomly

clean:
	rm -rf $(VENV) build
