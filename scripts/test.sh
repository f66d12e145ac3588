#!/usr/bin/env bash
# The README's test command: set up what the tests need, then lint, type-check and test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HYPOTHESIS_PROFILE=${HYPOTHESIS_PROFILE:-ci}
.venv/bin/ruff check bluestone_forms tests bench
.venv/bin/mypy
.venv/bin/python -m pytest -q -n "${PYTEST_WORKERS:-auto}" "$@"  # one worker per core
