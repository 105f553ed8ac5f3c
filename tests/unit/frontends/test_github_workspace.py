"""The bot's git runs with proxies and CA settings passed on, and nothing else of the
server's environment (no credentials, no user git config)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from burro.frontends.github.workspace import _git


def test_git_gets_the_proxy_and_ca_settings_and_nothing_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("GIT_SSL_CAINFO", "/etc/corp-ca.pem")
    monkeypatch.setenv("BURRO_GITHUB_WEBHOOK_SECRET", "s3cret")
    # A git alias starting with ! runs a shell command with git's environment.
    shown = asyncio.run(_git(tmp_path, "-c", "alias.showenv=!env", "showenv")).splitlines()
    assert "HTTPS_PROXY=http://127.0.0.1:9" in shown
    assert "GIT_SSL_CAINFO=/etc/corp-ca.pem" in shown
    assert f"HOME={tmp_path}" in shown and "GIT_TERMINAL_PROMPT=0" in shown
    assert not any("s3cret" in line for line in shown)
