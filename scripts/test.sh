#!/usr/bin/env bash
# The README's test command: set up what the tests need, then lint, type-check and test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HYPOTHESIS_PROFILE=${HYPOTHESIS_PROFILE:-ci}
# Start Debian's PostgreSQL cluster and give the tests a superuser.
#
# The tests reach the server as a superuser role named like the OS user that runs them (root
# in CI), over the unix socket with peer authentication: no password exists anywhere. Each
# test makes its own database on that server (tests/conftest.py, CREATE DATABASE / DROP), so
# xdist workers never collide. The URL is exported as BLUESTONE_TEST_PG_URL; set it yourself to
# use another server (a superuser URL; a password through PGPASSWORD or ~/.pgpass).
# Idempotent: a running cluster and an existing role are left as they are.
if [ -z "${BLUESTONE_TEST_PG_URL:-}" ]; then
  PG_SOCKET=/var/run/postgresql
  if ! pg_lsclusters -h 2>/dev/null | awk '$4 == "online"' | grep -q .; then
    if [ "$(id -u)" -eq 0 ]; then
      service postgresql start >/dev/null || pg_ctlcluster 15 main start
    else
      sudo service postgresql start >/dev/null
    fi
  fi
  for _ in $(seq 1 30); do  # the cluster takes a moment to accept connections
    pg_isready -q -h "$PG_SOCKET" && break
    sleep 0.5
  done
  PG_ROLE=$(id -un)
  AS_PG=(runuser -u postgres --)
  [ "$(id -u)" -eq 0 ] || AS_PG=(sudo -u postgres)
  if ! "${AS_PG[@]}" psql -h "$PG_SOCKET" -Atqc \
      "SELECT 1 FROM pg_roles WHERE rolname = '$PG_ROLE'" postgres | grep -q 1; then
    "${AS_PG[@]}" psql -h "$PG_SOCKET" -qc "CREATE ROLE \"$PG_ROLE\" LOGIN SUPERUSER" postgres
  fi
  export BLUESTONE_TEST_PG_URL="postgresql://$PG_ROLE@/postgres?host=$PG_SOCKET"
fi
.venv/bin/ruff check bluestone_forms tests bench
.venv/bin/mypy
.venv/bin/python -m pytest -q -n "${PYTEST_WORKERS:-auto}" "$@"  # one worker per core
