#!/usr/bin/env bash
# Runs a command against a throw-away PostgreSQL 15 server, with the test
# suites switched to it (COFFER_TEST_BACKEND=postgres: every test's vault is
# a fresh database on that server). Example:
#   scripts/pg.sh cargo test -p coffer-core --test rules
#   scripts/pg.sh cargo test -p coffer-tests          # the CLI suite
# pg_virtualenv (Debian's postgresql-common) makes the cluster, sets PGHOST,
# PGPORT, PGUSER and PGPASSWORD for the command, and removes the cluster when
# it ends. -t keeps the cluster in a temporary folder even as root, so runs
# side by side (and another user's `regress` cluster) never collide; fsync is
# off since the data dies with the run. Exits with the command's status.
set -euo pipefail
if [ "$#" -eq 0 ]; then
  echo "usage: scripts/pg.sh COMMAND [ARGS...]" >&2
  exit 2
fi
if ! command -v pg_virtualenv >/dev/null; then
  echo "pg.sh: pg_virtualenv is missing (Debian: apt-get install postgresql-15 postgresql-common)" >&2
  exit 2
fi
exec pg_virtualenv -t -v 15 -o fsync=off env COFFER_TEST_BACKEND=postgres "$@"
