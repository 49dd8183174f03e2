# Two commands matter: `make run` and `make test`. Both set up what is missing first.
PYTHON ?= python3
VENV := .venv/bin
RASA := cd bot && RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 \
	SQLALCHEMY_SILENCE_UBER_WARNING=1 PYTHONWARNINGS=ignore ../.venv-rasa/bin/rasa

.PHONY: setup run test lint check-domain domain rasa-validate rasa-stories pytest eval eval-risk

setup:
	@$(PYTHON) scripts/setup.py

run: setup
	$(VENV)/triage up

test: setup lint check-domain rasa-validate rasa-stories pytest

lint:
	$(VENV)/mypy
	$(VENV)/ruff check .
	$(VENV)/ruff format --check .

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

pytest:
	$(VENV)/pytest

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
