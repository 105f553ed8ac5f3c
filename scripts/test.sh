#!/usr/bin/env bash
# Set up everything and run the whole test suite (lint, types, layer rules, tests).
# Works on a fresh machine with only Python 3.11 and pip.
set -euo pipefail
cd "$(dirname "$0")/.."

# bubblewrap for the sandbox tests, tmux for the real-terminal UI test, git for repos,
# chromium for the web UI tests (Playwright drives it by path; no browser download).
bash scripts/setup.sh tmux git chromium

# PostgreSQL for the task-store tests (tests/cloud start a throwaway cluster with initdb).
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    else
        sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    fi
fi

echo "== ruff"
uv run ruff check src tests bench scripts
echo "== mypy (strict, src/)"
uv run mypy
echo "== import layers"
uv run lint-imports
echo "== pytest"
uv run pytest -n 2 -q "$@"
