# The README's two commands: `make run` and `make test`.
# Both create the virtual environment from requirements.txt when it is missing or stale.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

$(BIN)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

run: $(BIN)/.installed
	$(BIN)/python -m streamlit run dashboard.py

test: $(BIN)/.installed
	$(BIN)/python -m pytest

.PHONY: run test
