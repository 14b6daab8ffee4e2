#!/usr/bin/env bash
# Runs the whole test suite against a private PostgreSQL that it starts and stops itself.
# Each test gets its own database (sqlx::test). Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."

pgdir=$(mktemp -d /tmp/nexus-test-pg.XXXXXX)
cleanup() { scripts/pg.sh stop "$pgdir"; rm -rf "$pgdir"; }
trap cleanup EXIT
scripts/pg.sh start "$pgdir"

export DATABASE_URL
DATABASE_URL=$(scripts/pg.sh url "$pgdir")
# Queries are checked against the committed .sqlx/ data, never against this empty database.
export SQLX_OFFLINE=true
cargo test --workspace "$@"
