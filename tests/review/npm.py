"""npm packages the review tests read (real SARIF schema, real GitHub webhook payloads),
installed once into a folder of their own (.cache/npm). scripts/test.sh installs them
too; locally, without npm, the tests that need them are skipped."""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PREFIX = ROOT / ".cache" / "npm"
PACKAGES = {
    "@octokit/webhooks-examples": "7.6.1",
    "@microsoft/jest-sarif": "1.0.0-beta.0",  # ships the official SARIF 2.1.0 schema
}


def _installed(name: str) -> bool:
    return (PREFIX / "node_modules" / name / "package.json").is_file()


def install() -> None:
    """Install every package (under a file lock: parallel test workers share it)."""
    PREFIX.mkdir(parents=True, exist_ok=True)
    with open(PREFIX / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not all(_installed(n) for n in PACKAGES):
            specs = [f"{n}@{v}" for n, v in PACKAGES.items()]
            subprocess.run(
                ["npm", "install", "--prefix", str(PREFIX), "--no-audit", "--no-fund", *specs],
                check=True,
                capture_output=True,
                timeout=300,
            )


def npm_package(name: str) -> Path:
    """The installed package folder; installs it when missing."""
    if not _installed(name):
        if shutil.which("npm") is None:
            pytest.skip(f"npm is not installed; {name} is needed (scripts/test.sh installs it)")
        install()
    return PREFIX / "node_modules" / name


if __name__ == "__main__":  # scripts/test.sh: python -m tests.review.npm
    install()


@cache
def sarif_schema() -> dict[str, Any]:
    path = npm_package("@microsoft/jest-sarif") / "lib" / "schemas" / "sarif-2.1.0-rtm.5.json"
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema


@cache
def webhook_examples(event: str) -> list[dict[str, Any]]:
    """GitHub's example payloads for ``event`` (e.g. "pull_request")."""
    index = npm_package("@octokit/webhooks-examples") / "api.github.com" / "index.json"
    for entry in json.loads(index.read_text(encoding="utf-8")):
        if entry["name"] == event:
            examples: list[dict[str, Any]] = entry["examples"]
            return examples
    raise KeyError(event)
