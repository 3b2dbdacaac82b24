# The two set-up commands: `make run` (install, build index/ from corpus/, start the app) and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
INDEX ?= index
PORT ?= 8501

.PHONY: run test install index clean

run: index
	$(BIN)/streamlit run app.py --server.address localhost --server.port $(PORT) \
		--server.headless true --browser.gatherUsageStats false

# `kb ingest` is incremental: an unchanged corpus is a no-op, a changed one updates only what changed.
# Exit status 3 means some files were skipped (named in its output); the index is still usable.
index: install
	$(BIN)/kb ingest corpus --index $(INDEX) || [ $$? -eq 3 ]

test: install
	$(BIN)/python -m pytest

install: $(STAMP)

# The CPU torch wheel goes first so that nothing pulls the CUDA build.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) $(INDEX)
