#!/usr/bin/env bash
# Set up everything and run the whole test suite (lint, types, layer rules, tests).
# Works on a fresh machine with only Python 3.11 and pip.
set -euo pipefail
cd "$(dirname "$0")/.."

# The sandbox tests run real bubblewrap (and tmux drives the TUI in a real terminal).
missing=()
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
command -v git >/dev/null 2>&1 || missing+=(git)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
fi

if ! command -v uv >/dev/null 2>&1; then
    python3 -m pip install --quiet 'uv==0.13.*'
fi
uv sync --frozen --quiet

echo "== ruff"
uv run ruff check src tests bench scripts
echo "== mypy (strict, src/)"
uv run mypy
echo "== import layers"
uv run lint-imports
echo "== pytest"
uv run pytest -n 2 -q "$@"
