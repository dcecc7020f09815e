#!/usr/bin/env bash
# The whole suite: SQLite, then PostgreSQL, each including the Chromium browser tests.
# Fails if any part cannot start; a skipped test fails the run (see tests/conftest.py).
set -euo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python
export LEARN_REQUIRE_ALL=1

pgdir=$(mktemp -d /tmp/learn-pg.XXXXXX)
trap 'scripts/test-postgres.sh stop "$pgdir"' EXIT
port=$((20000 + RANDOM % 20000))
if ! pg_url=$(scripts/test-postgres.sh start "$pgdir" "$port"); then
  echo "FAILED: the throwaway PostgreSQL server could not be started (see above)" >&2
  exit 1
fi

echo "== SQLite =="
LEARN_TEST_DATABASE_URL="sqlite://" $py -m pytest -q "$@"
echo "== PostgreSQL ($pg_url) =="
LEARN_TEST_DATABASE_URL="$pg_url" $py -m pytest -q "$@"
