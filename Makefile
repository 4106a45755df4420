# auditlog: `make run` (the incident demo) and `make test` (the whole suite) each set
# themselves up from nothing: virtualenv, pinned dependencies, local services.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test chaos up down reset lint bench fuzz venv clean

API_PORT ?= 8080

# ends by serving the API and the web console in the background (make down stops it) and
# printing the console's address and a demo investigator token
run: $(STAMP) up
	$(BIN)/auditlog db migrate
	$(BIN)/auditlog demo
	@$(BIN)/python -m devstack api --port $(API_PORT)
	@echo "web console: http://127.0.0.1:$(API_PORT)/  (API: /api/v1/..., OpenAPI: /openapi.json)"
	@echo "demo investigator token (24 h; sign in with it, and name a case, e.g. INC-2017-1102):"
	@$(BIN)/auditlog tokens create --role investigator --expires 1d

# The test session starts its own throw-away services (unless DATABASE_URL and
# KAFKA_BOOTSTRAP_SERVERS point at external ones) and stops them when it ends.
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# the fault tests again, harder: more kill -9s of the writer (make test does 10) and a longer,
# bigger soak of writers joining, leaving and killed (make test: 40 s over 40,000 events)
CHAOS_KILLS ?= 25
CHAOS_SOAK_SECONDS ?= 300
CHAOS_SOAK_EVENTS ?= 300000
chaos: $(STAMP)
	AUDITLOG_FAULT_KILLS=$(CHAOS_KILLS) AUDITLOG_SOAK_SECONDS=$(CHAOS_SOAK_SECONDS) \
		AUDITLOG_SOAK_EVENTS=$(CHAOS_SOAK_EVENTS) $(BIN)/python -m pytest tests/faults $(PYTEST_ARGS)

up: $(STAMP)
	@if [ -n "$$DATABASE_URL" ] && [ -n "$$KAFKA_BOOTSTRAP_SERVERS" ]; then \
		echo "using external services from DATABASE_URL and KAFKA_BOOTSTRAP_SERVERS"; \
	else \
		$(BIN)/python -m devstack up; \
	fi

down: $(STAMP)
	$(BIN)/python -m devstack down

# stop the local services and forget their data (the dev ledger too)
reset: down
	rm -rf .devstack

lint: $(STAMP)
	$(BIN)/ruff check .
	@mkdir -p .mypy/auditlog && for room in domain schemas producers ledger consumers investigate devstack; do \
		ln -sfn ../../$$room .mypy/auditlog/$$room; done
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m bench

# the decoder fuzz tests with many more cases than the suite runs (FUZZ_EXAMPLES to change)
FUZZ_EXAMPLES ?= 50000
fuzz: $(STAMP)
	AUDITLOG_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest tests/unit/test_codec.py -q \
		-k "random_bytes or mutated" -p no:cacheprovider

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==25.3
	$(BIN)/pip install --quiet -c constraints.txt -e '.[server,devstack,dev]'
	touch $(STAMP)

clean: down
	rm -rf $(VENV) .devstack .env .pytest_cache .mypy_cache .ruff_cache .mypy
