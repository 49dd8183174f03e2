# Two commands matter: `make run` and `make test`. Both set up what is missing first.
# `make test-fast` is the inner loop: lint and every test that needs neither Rasa nor a
# browser, on two workers (it sets nothing up: run `make setup` once first).
PYTHON ?= python3
VENV := .venv/bin
# pytest-xdist workers for the tests that need neither Rasa nor a browser.
WORKERS ?= 2
RASA := cd bot && RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 \
	SQLALCHEMY_SILENCE_UBER_WARNING=1 PYTHONWARNINGS=ignore ../.venv-rasa/bin/rasa

.PHONY: setup run test test-fast test-reworded lint check-domain domain rasa-validate rasa-stories pytest eval \
	eval-risk

setup:
	@$(PYTHON) scripts/setup.py

run: setup
	$(VENV)/triage up

test: setup lint check-domain rasa-validate rasa-stories pytest test-reworded

test-fast: lint
	$(VENV)/pytest -m "not integration" -n $(WORKERS)

lint:
	$(VENV)/mypy
	$(VENV)/ruff check .
	$(VENV)/ruff format --check .
	$(VENV)/lint-imports

# The generated Rasa domain must match the flows (the one source of truth).
check-domain:
	$(VENV)/python -m flows.rasa_domain --check

domain:
	$(VENV)/python -m flows.rasa_domain

rasa-validate:
	$(RASA) data validate --domain domain --data data ../nlu --config config.yml

rasa-stories:
	$(RASA) test core --model ../var/models/triage.tar.gz --stories ../tests/rasa \
		--fail-on-prediction-errors --out ../var/rasa-test-results

# Everything but the live stack on two workers, then the live stack (`triage up`: Rasa,
# the action server, the gateway; and the browser) once, in one process. (xdist's
# loadgroup would run both at once, but with pytest 9.2 it no longer groups: xdist #1386.)
pytest:
	$(VENV)/pytest -m "not integration" -n $(WORKERS)
	$(VENV)/pytest -m integration

# Every question of every flow reworded for the whole run: the gateway and engine suites
# still pass, because the gateway acts on the question ids the bot sends, never on wording.
# On SQLite only: wording does not depend on the database (the first run covers both).
test-reworded:
	$(VENV)/python -m pytest -p tests.plugins.reworded_questions -m "not integration" \
		-k "not postgresql" \
		-n $(WORKERS) tests/plugins/check_reworded.py tests/gateway tests/unit/test_engine.py \
		tests/unit/test_flow_walks.py tests/unit/test_flows.py

# Intent macro-F1 from 5-fold cross-validation of the NLU data, and the test stories passed.
eval: setup
	$(RASA) test nlu --nlu ../nlu --config config.yml --cross-validation --folds 5 \
		--out ../var/eval/nlu
	-$(RASA) test core --model ../var/models/triage.tar.gz --stories ../tests/rasa \
		--out ../var/eval/core
	$(VENV)/python scripts/eval_report.py var/eval/nlu var/eval/core tests/rasa/test_conversations.yml

# Recall, false alarms and speed of the safety net's risk detector on the labelled sets.
eval-risk: setup
	$(VENV)/python -m safety.evaluate
	$(VENV)/python -m safety.learned.evaluate
