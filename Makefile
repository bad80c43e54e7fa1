# Two commands a learner needs: `make lab` and `make test` (both create .venv when needed).
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: lab test notebooks setup course student html clean

$(STAMP): requirements.txt pyproject.toml tools/lab_overrides.json
	@command -v $(PY) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PY) not found); set PY=/path/to/python3.11"; exit 1; }
	@$(BIN)/python -m pip --version >/dev/null 2>&1 || { \
	  rm -rf $(VENV); echo "creating $(VENV) with $(PY)"; \
	  $(PY) -m venv $(VENV) && $(BIN)/python -m pip --version >/dev/null 2>&1 || { rm -rf $(VENV); \
	    echo "'$(PY) -m venv' could not make a virtual environment with pip. On Debian/Ubuntu install the"; \
	    echo "venv package of your Python (sudo apt install python3.11-venv), then run make again."; exit 1; }; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	$(BIN)/python tools/lab_settings.py >/dev/null
	touch $(STAMP)

setup: $(STAMP)

LAB_ARGS ?=
lab: $(STAMP)  ## open JupyterLab at the course start page (README.md, rendered, with the course map)
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS) README.md

# nbval re-executes every notebook and compares its text outputs, numbers up to floating-point noise
# (conftest.py, tests/tolerance.py); -n auto --dist loadfile runs one notebook per CPU core.
PYTEST := $(BIN)/python -m pytest -q -n auto --dist loadfile -p no:randomly \
          --nbval --nbval-current-env --nbval-sanitize-with tests/sanitize.cfg
DAYS := $(sort $(wildcard day*_*))

test: $(STAMP)  ## unit tests, notebook checks, nbval over every day, lint
	$(PYTEST)

notebooks: $(STAMP)  ## nbval over every day only (CI repeats it with other CPU math kernels)
	$(PYTEST) $(DAYS)

student: $(STAMP)  ## student edition (solutions -> empty exercise cells) into build/student/; DAY=N for one day
	$(BIN)/python tools/make_student.py $(if $(DAY),--day $(DAY))

course: $(STAMP)  ## run every notebook in a fresh kernel, table of times; DAY=N one day, INPLACE=1 refresh outputs
	$(BIN)/python tools/run_course.py $(if $(DAY),--day $(DAY)) $(if $(INPLACE),--inplace)

html: $(STAMP)  ## offline HTML reader of the whole course into build/html/
	$(BIN)/python tools/build_html.py

clean:
	rm -rf $(VENV) build
