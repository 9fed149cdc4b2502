#!/usr/bin/env bash
# Set up and run every check: lint, types, the test suite (SQLite and PostgreSQL on 127.0.0.1:5432).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh dev
.venv/bin/ruff check .
.venv/bin/mypy
# pytest exits 5 when it collected no test: that is a failure here too.
.venv/bin/python -m pytest "$@"
