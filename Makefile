# Two commands: `make run` starts the whole product, `make test` runs the whole suite.
SHELL := /bin/bash
export PYTHONPATH := $(CURDIR)
# no Rasa usage data leaves the machine (training, runs, tests)
export RASA_TELEMETRY_ENABLED := false

.PHONY: setup train run test bench lock clean help

help:
	@echo "make run    install, build, train when needed, start Rasa (5005), actions (5055), gateway (8000), knowledge base (8100)"
	@echo "make test   the same setup, then the whole test suite"
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

bench: train
	@scripts/run_bench.sh

# Re-pin the full dependency sets after changing requirements/*.in
lock:
	.venv/rasa/bin/pip install -r requirements/rasa.in
	{ echo "# Full pins of .venv/rasa (Python 3.10). Regenerate with \`make lock\` after editing rasa.in."; \
	  .venv/rasa/bin/pip freeze --exclude-editable; } > requirements/rasa.txt
	.venv/svc/bin/pip install -r requirements/svc.in
	{ echo "# Full pins of .venv/svc (Python >= 3.11). Regenerate with \`make lock\` after editing svc.in."; \
	  .venv/svc/bin/pip freeze --exclude-editable; } > requirements/svc.txt

clean:
	rm -rf models var .pytest_cache
