#!/usr/bin/env bash
# Set up burro on a fresh machine with Python 3.11 and pip: uv, the locked environment in
# .venv, and bubblewrap (the Linux sandbox burro runs commands in).
# Extra Debian packages to install can be passed as arguments (the test script adds tmux).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
if [ "$(uname -s)" = Linux ]; then
    command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
fi
for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "please install: ${missing[*]}" >&2
    elif [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
fi

if ! command -v uv >/dev/null 2>&1; then
    python3 -m pip install --quiet 'uv==0.13.*'
fi
uv sync --frozen --quiet
