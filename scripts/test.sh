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

# The real Claude Code CLI, pinned, for the end-to-end tests through the gateway.
claude_version=2.1.330
claude_dir=target/claude-code
claude_bin=$claude_dir/node_modules/.bin/claude
if ! { [ -x "$claude_bin" ] && "$claude_bin" --version 2>/dev/null | grep -q "^$claude_version "; }; then
  echo "installing Claude Code $claude_version into $claude_dir" >&2
  npm install --prefix "$claude_dir" --no-audit --no-fund --loglevel=error \
    "@anthropic-ai/claude-code@$claude_version" >&2
fi
export NEXUS_CLAUDE_BIN=$PWD/$claude_bin
# Queries are checked against the committed .sqlx/ data, never against this empty database.
export SQLX_OFFLINE=true
cargo test --workspace "$@"
