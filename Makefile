# Two commands: `make run` starts the whole product, `make test` runs the whole suite.
SHELL := /bin/bash
export PYTHONPATH := $(CURDIR)
# no Rasa usage data leaves the machine (training, runs, tests)
export RASA_TELEMETRY_ENABLED := false

.PHONY: setup train run test test-fast lint typecheck api-docs bench lock clean help

help:
	@echo "make run    install, build, train when needed, start Rasa (5005), actions (5055), gateway (8000), knowledge base (8100)"
	@echo "make test   the same setup, then the whole test suite"
	@echo "make test-fast  the same, without the tests marked slow (real Rasa server, browsers, mail server)"
	@echo "make lint   ruff check (pyproject.toml); the channel kit also ruff format --check"
	@echo "make typecheck  mypy, strict on the channel kit (pyproject.toml)"
	@echo "make api-docs  the gateway's API reference (docs/api/) from its OpenAPI document"
	@echo "make bench  benchmarks (bench/), figures go into the README"

setup:
	@scripts/setup.sh

train: setup
	@scripts/train_if_changed.sh
	@scripts/build_kb_index.sh

run: train
	@scripts/ensure_env.sh
	@# every process creates its files (var/, SQLite, attachments) for the owner only
	umask 077 && .venv/svc/bin/honcho start -f Procfile -e .env

test: train
	@scripts/run_tests.sh

# everything but the `slow` marker (pytest.ini): no whole product started
test-fast: train
	@scripts/run_tests.sh -m "not slow"

# the paths kept in ruff's format; the rest of the code is checked, not reformatted
FORMATTED := channels/common tests/channels/common vocabulary tests/vocabulary

lint: setup
	.venv/svc/bin/ruff check .
	.venv/svc/bin/ruff format --check $(FORMATTED)

typecheck: setup
	.venv/svc/bin/mypy

# docs/api/gateway-openapi.json and docs/api/gateway.md from the app's app.openapi() (tests/gateway/test_api_docs.py)
api-docs: setup
	.venv/svc/bin/python scripts/render_api_docs.py

bench: train
	@scripts/run_bench.sh

# Re-pin the full dependency sets after changing requirements/*.in
lock:
	.venv/rasa/bin/pip install -r requirements/rasa.in
	{ echo "# Full pins of .venv/rasa (Python 3.10). Regenerate with \`make lock\` after editing rasa.in."; \
	  .venv/rasa/bin/pip freeze --exclude-editable; } > requirements/rasa.txt
	.venv/svc/bin/pip install -r requirements/svc.in
	@# the developer tools (requirements/dev.txt, pinned by hand) stay out of svc.txt
	{ echo "# Full pins of .venv/svc (Python >= 3.11). Regenerate with \`make lock\` after editing svc.in."; \
	  .venv/svc/bin/pip freeze --exclude-editable | grep -viFf <(grep -v '^#' requirements/dev.txt | sed 's/==.*/==/'); \
	  } > requirements/svc.txt

clean:
	rm -rf models var .pytest_cache
