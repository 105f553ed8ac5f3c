"""Which variables a command gets: secret-looking names and credential URLs are dropped,
``[shell_environment_policy]`` ``keep`` and ``inherit`` opt back in."""

from __future__ import annotations

from pathlib import Path

import pytest

from burro.config import ConfigError, Settings, load_settings
from burro.sandbox.policy import filter_env, looks_secret

AUDIT_SECRETS = {
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI",
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7",
    "STRIPE_SECRET_KEY": "sk_live_1",
    "DATABASE_PASSWORD": "hunter2",
    "DATABASE_URL": "postgres://app:hunter2@db.internal:5432/app",
    "OPENAI_KEY": "sk-proj-1",
    "SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T0/B0/xyz",
    "GITHUB_TOKEN": "ghp_1",
    "my_credentials_file": "/home/u/.creds",
    "NPM_AUTH": "npm_1",
    "SMB_PASSWD": "pw",
    "PIP_INDEX_URL": "https://user:pypi-pass@pypi.example/simple",
}
PLAIN = {
    "PATH": "/usr/bin",
    "HOME": "/home/u",
    "GIT_AUTHOR_NAME": "Ada",
    "GIT_AUTHOR_EMAIL": "ada@example.com",
    "REDIS_URL": "redis://cache:6379/0",
    "GIT_REMOTE": "https://github.com/a/b.git",
    "EDITOR": "vi",
}


@pytest.mark.parametrize(("name", "value"), AUDIT_SECRETS.items())
def test_secret_looking_variables_are_dropped(name: str, value: str) -> None:
    assert looks_secret(name, value)
    assert name not in filter_env({name: value, **PLAIN}, secret_vars=())


@pytest.mark.parametrize(("name", "value"), PLAIN.items())
def test_ordinary_variables_pass(name: str, value: str) -> None:
    assert not looks_secret(name, value)
    assert filter_env({name: value}, secret_vars=())[name] == value


def test_keep_opts_a_secret_back_in() -> None:
    env = {**AUDIT_SECRETS, **PLAIN}
    out = filter_env(env, secret_vars=(), keep=["DATABASE_URL", "GITHUB_TOKEN"])
    assert out["DATABASE_URL"] == AUDIT_SECRETS["DATABASE_URL"]
    assert out["GITHUB_TOKEN"] == "ghp_1"
    assert "AWS_SECRET_ACCESS_KEY" not in out


def test_inherit_core_and_none() -> None:
    env = {**PLAIN, "LANG": "C.UTF-8", "GITHUB_TOKEN": "ghp_1"}
    core = filter_env(env, secret_vars=(), inherit="core")
    assert core == {"PATH": "/usr/bin", "HOME": "/home/u", "LANG": "C.UTF-8"}
    assert filter_env(env, secret_vars=(), inherit="none") == {}
    kept = filter_env(env, secret_vars=(), inherit="none", keep=["EDITOR", "GITHUB_TOKEN"])
    assert kept == {"EDITOR": "vi", "GITHUB_TOKEN": "ghp_1"}


def _settings(tmp_path: Path, body: str) -> Settings:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    (home / "config.toml").write_text(body)
    return load_settings(cwd=tmp_path, env={"BURRO_HOME": str(home)})


def test_config_keys(tmp_path: Path) -> None:
    s = _settings(tmp_path, '[shell_environment_policy]\ninherit = "core"\nkeep = ["X_TOKEN"]\n')
    assert s.env_inherit == "core"
    assert s.env_keep == ("X_TOKEN",)
    assert _settings(tmp_path, "").env_inherit == "all"
    with pytest.raises(ConfigError, match="inherit"):
        _settings(tmp_path, '[shell_environment_policy]\ninherit = "some"\n')
