#!/usr/bin/env bash
# Set up everything and run the whole test suite (lint, types, layer rules, tests).
# Works on a fresh machine with only Python 3.11 and pip.
set -euo pipefail
cd "$(dirname "$0")/.."

# bubblewrap for the sandbox tests, tmux for the real-terminal UI test, git for repos,
# chromium for the web page's browser tests, npm for the review tests' packages (SARIF
# schema, GitHub webhook payload examples).
bash scripts/setup.sh tmux git chromium npm
uv run python -m tests.review.npm
# npm (with node) for the MCP client tests too.

# The npm MCP test server, in a folder of its own (tests/mcp/conftest.py uses it).
if [ ! -f .cache/npm/node_modules/@modelcontextprotocol/server-everything/dist/index.js ]; then
    npm install --prefix .cache/npm --no-audit --no-fund --loglevel=error \
        @modelcontextprotocol/server-everything@2026.8.31 >/dev/null
fi

# PostgreSQL for the task-store tests (tests/cloud start a throwaway cluster with initdb).
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    else
        sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    fi
fi

# Node.js and the TypeScript ACP client that drives `burro acp` in tests/acp (npm, own folder).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    bash scripts/setup.sh nodejs npm
fi
(cd tests/acp/ts && npm ci --no-audit --no-fund --silent)

echo "== ruff"
uv run ruff check src tests bench scripts
echo "== mypy (strict, src/)"
uv run mypy
echo "== import layers"
uv run lint-imports
echo "== pytest"
uv run pytest -n 2 -q "$@"
