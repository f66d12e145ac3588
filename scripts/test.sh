#!/usr/bin/env bash
# The README's test command: set up what the tests need, then lint, type-check and test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HYPOTHESIS_PROFILE=${HYPOTHESIS_PROFILE:-ci}
# Start Debian's PostgreSQL cluster and give the tests a superuser.
#
# The tests reach the server over TCP on 127.0.0.1 as the superuser role bluestone_test, whose
# password is made anew on every run (scram-sha-256, Debian's rule for local TCP): the row-level
# security and fault tests log in as roles of their own with passwords, which the unix socket's
# peer authentication would refuse. Each test makes its own database on that server
# (tests/conftest.py, CREATE DATABASE / DROP), so xdist workers never collide. The URL is
# exported as BLUESTONE_TEST_PG_URL; set it yourself to use another server (a superuser URL).
# Idempotent: a running cluster is left as it is.
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
  AS_PG=(runuser -u postgres --)
  [ "$(id -u)" -eq 0 ] || AS_PG=(sudo -u postgres)
  PG_PASSWORD=$(.venv/bin/python -c "import secrets; print(secrets.token_hex(16))")
  if "${AS_PG[@]}" psql -h "$PG_SOCKET" -Atqc \
      "SELECT 1 FROM pg_roles WHERE rolname = 'bluestone_test'" postgres | grep -q 1; then
    VERB=ALTER
  else
    VERB=CREATE
  fi
  "${AS_PG[@]}" psql -h "$PG_SOCKET" -q postgres >/dev/null <<SQL
$VERB ROLE bluestone_test LOGIN SUPERUSER PASSWORD '$PG_PASSWORD';
SQL
  export BLUESTONE_TEST_PG_URL="postgresql://bluestone_test:$PG_PASSWORD@127.0.0.1:5432/postgres"
fi
.venv/bin/ruff check bluestone_forms tests bench
.venv/bin/mypy
# One worker per core, tests handed out as xdist's default --dist load does: loadgroup (the
# costly-fixture modules kept on one worker) and worksteal were measured against it on 2
# shared cores and did no better.
.venv/bin/python -m pytest -q -n "${PYTEST_WORKERS:-auto}" "$@"
