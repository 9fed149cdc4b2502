#!/usr/bin/env bash
# Set up and run every check: lint, types, the test suite (SQLite and PostgreSQL on 127.0.0.1:5432).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh dev
.venv/bin/ruff check .
.venv/bin/mypy
# pytest exits 5 when it collected no test: that is a failure here too.
# Four workers on two cores: most of a test's time is spent waiting (for a bot, a fake server,
# a database), so they overlap well; every test has its own ports, files and databases.
# `-n 0` among the arguments runs them in one process again.
.venv/bin/python -m pytest -n 4 --dist worksteal "$@"
