#!/usr/bin/env bash
# Set up everything and run the whole test suite (lint, types, layer rules, tests).
# Works on a fresh machine with only Python 3.11 and pip.
set -euo pipefail
cd "$(dirname "$0")/.."

# bubblewrap for the sandbox tests, tmux for the real-terminal UI test, git for repos.
bash scripts/setup.sh tmux git

echo "== ruff"
uv run ruff check src tests bench scripts
echo "== mypy (strict, src/)"
uv run mypy
echo "== import layers"
uv run lint-imports
echo "== pytest"
uv run pytest -n 2 -q "$@"
