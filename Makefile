# `make run` and `make test` set everything up on a fresh machine: a Python 3.12/3.13 virtual
# environment in .venv, the project installed into it, then the default experiment or the tests.
VENV   := .venv
VPY    := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

# A python3.12/python3.13 that works on PATH, else one that pyenv has (pyenv interpreters are not on
# PATH unless PYENV_VERSION is set).
define find_python
for c in python3.12 python3.13; do \
  if command -v $$c >/dev/null 2>&1 && $$c -c 'import sys' >/dev/null 2>&1; then command -v $$c; exit 0; fi; \
done; \
root=$$(pyenv root 2>/dev/null || echo "$$HOME/.pyenv"); \
for v in $$(ls -1 "$$root/versions" 2>/dev/null | grep -E '^3\.12(\.[0-9]+)?$$' | sort -rV) \
         $$(ls -1 "$$root/versions" 2>/dev/null | grep -E '^3\.13(\.[0-9]+)?$$' | sort -rV); do \
  for c in "$$root/versions/$$v/bin/python3.12" "$$root/versions/$$v/bin/python3.13"; do \
    if [ -x "$$c" ]; then echo "$$c"; exit 0; fi; \
  done; \
done; \
exit 1
endef

.PHONY: run test test-slow test-all lint bench clean-venv dashboard

$(STAMP): pyproject.toml
	@if [ ! -x $(VPY) ]; then \
	  py=$$($(find_python)) || { echo "error: no Python 3.12 or 3.13 found (looked for python3.12/python3.13 on PATH and under pyenv); install one, e.g. 'pyenv install 3.12'" >&2; exit 1; }; \
	  echo "creating $(VENV) with $$py"; \
	  "$$py" -m venv $(VENV); \
	fi
	$(VPY) -m pip install --quiet --upgrade pip
	$(VPY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(VPY) experiments/run.py

# -n auto: one pytest-xdist worker per core; --dist loadfile keeps a test file on one worker, so a module's
# fixtures (a replay ensemble, a finished run folder) are built once. See tests/conftest.py on keeping tests fast.
# `make test`: every test not marked slow (the 4-minute budget on 2 cores). `make test-slow`: the tests marked
# slow (real scripts as subprocesses, guarding determinism, resume, reproduce and the command line); CI
# (.ci/run) runs both. `make test-all`: both in one session. pytest exits 5 when no test ran, which fails too.
PYTEST := $(VPY) -m pytest -n auto --dist loadfile
test: $(STAMP)
	$(PYTEST) -m "not slow"

test-slow: $(STAMP)
	$(PYTEST) -m slow

test-all: $(STAMP)
	$(PYTEST)

# The dashboard (sim/app.py) on http://localhost:8765, offline: the viz extra pins a solara that serves its own
# assets, and telemetry and the version check are off.
VIZ_STAMP := $(VENV)/.installed-viz
$(VIZ_STAMP): $(STAMP)
	$(VPY) -m pip install --quiet -e '.[dev,viz]'
	@touch $(VIZ_STAMP)

DASHBOARD_PORT ?= 8765
dashboard: $(VIZ_STAMP)
	SOLARA_TELEMETRY_MIXPANEL_ENABLE=False $(VPY) -m solara run sim/app.py --host 127.0.0.1 \
	  --port $(DASHBOARD_PORT) --production --no-open --no-check-version

# lint-imports: the layers and the no-cycle contract of sim's import graph ([tool.importlinter] in pyproject.toml)
lint: $(STAMP)
	$(VPY) -m ruff check sim experiments tests
	$(VPY) -m ruff format --check sim experiments tests
	$(VENV)/bin/lint-imports

clean-venv:
	rm -rf $(VENV)
