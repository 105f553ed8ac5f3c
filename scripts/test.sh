#!/usr/bin/env bash
# Set up everything and run the whole test suite (lint, types, layer rules, tests).
# Works on a fresh machine with only Python 3.11 and pip.
set -euo pipefail
cd "$(dirname "$0")/.."

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
