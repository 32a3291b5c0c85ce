# Klinik Inovasi Bot — every developer and CI command. `make` alone lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
STAMP := $(VENV)/.installed
MODEL := models/current.tar.gz
TRAIN_INPUTS := config.yml $(shell find nlu/data nlu/domain -name '*.yml' 2>/dev/null)
# Python 3.10 is required by rasa 3.6: the first candidate that really runs 3.10 (a pyenv shim may not).
PYTHON310 ?= $(shell for p in $$(ls -d $$HOME/.pyenv/versions/3.10.*/bin/python3.10 2>/dev/null | sort -rV) \
	$$(command -v python3.10 2>/dev/null); do \
	"$$p" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null && echo "$$p" && break; done)

.PHONY: help install run chat train validate nlu-report retrieval-report test test-unit test-e2e test-stories eval bench soak lint fmt kb-load clean

help: ## List the commands
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	@if [ -z "$(PYTHON310)" ]; then \
	  echo "Python 3.10 is needed (rasa 3.6 supports nothing newer). Install it, e.g. 'pyenv install 3.10.13'" \
	       "or your OS package python3.10, then run make again."; exit 1; fi
	@test -x $(PY) || $(PYTHON310) -m venv $(VENV)
	$(PY) -m pip install --quiet wheel
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	$(PY) -m pip check
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install the pinned dependencies

$(MODEL): $(STAMP) $(TRAIN_INPUTS)
	$(RASA) train --config config.yml --data nlu/data --domain nlu/domain --out models --fixed-model-name current

train: $(MODEL) ## Train the Rasa model (only when the training data changed)

run: $(STAMP) $(MODEL) ## Run the assistant: Rasa (5005), actions (5055), and the Telegram bot if a token is set
	$(PY) -m tools.run

chat: $(STAMP) ## Chat in the terminal with the running assistant
	$(PY) -m tools.chat

kb-load: $(STAMP) ## Load knowledge/content/*.yml into the knowledge-base database
	$(PY) -m knowledge load

retrieval-report: $(STAMP) ## Retrieval accuracy on held-out phrasings and off-topic questions
	$(PY) -m tools.retrieval_report

# `rasa data validate` still warns, by design, about responses that no story or rule names and intents with no
# NLU examples: the responses the actions send (`utter_message(response=...)`), the forms' `utter_ask_<slot>`
# questions, Rasa's default `utter_default`/`utter_restart`, and the intents only buttons send (choose_topic,
# choose_entry, show_more). Rasa cannot see those uses, so this runs without --fail-on-warnings; instead
# tests/unit/nlu/test_domain_usage.py looks where they are used and fails on a response or intent nothing uses.
# The deprecation notices printed first come from rasa's own dependencies on import.
validate: $(STAMP) ## Check the Rasa training data and domain
	$(RASA) data validate --data nlu/data --domain nlu/domain --config config.yml

nlu-report: $(STAMP) ## Print cross-validated intent F1 (5 folds)
	$(RASA) test nlu --nlu nlu/data/nlu --config config.yml --cross-validation --folds 5 --out results/nlu-cv >/dev/null
	$(PY) -m tools.nlu_report results/nlu-cv

test: $(STAMP) $(MODEL) ## Run every test: dialogue stories, then unit, NLU, actions and end-to-end
	$(MAKE) --no-print-directory test-stories
	RASA_MODEL=$(MODEL) $(PY) -m pytest

test-unit: $(STAMP) ## Run the fast tests only (no model, no servers)
	$(PY) -m pytest -m "not e2e"

test-e2e: $(STAMP) $(MODEL) ## Run the end-to-end tests against the trained model
	RASA_MODEL=$(MODEL) $(PY) -m pytest -m e2e

test-stories: $(STAMP) $(MODEL) ## Check the dialogue test stories (fails on any prediction error)
	$(RASA) test core --stories tests/conversations --model $(MODEL) --fail-on-prediction-errors --out results/stories \
	  2>&1 | grep -vE "^(Processed|Processing)|it/s" ; test $${PIPESTATUS[0]} -eq 0

eval: $(STAMP) ## Score the running assistant and a BM25 baseline on tests/eval (ARGS="--url ... --split heldout")
	$(PY) -m tools.eval $(ARGS)

bench: $(STAMP) $(MODEL) ## Measure latency, CPU per turn, cold start, memory, the Telegram burst (ARGS=--sustained: +6 min)
	$(PY) -m tools.bench $(ARGS)

soak: $(STAMP) $(MODEL) ## Abuse a private copy of the assistant (fuzz, bursts, kills, bad Bot API, locked KB); minutes
	$(PY) -m tools.soak

lint: $(STAMP) ## ruff, formatting, the import-direction contracts and the mypy type check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

fmt: $(STAMP) ## Format the code
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean: ## Remove models, results and caches (keeps .venv and var/)
	rm -rf models results .pytest_cache .ruff_cache .mypy_cache
