"""Which webhook a server or worker uses: `--notify` over `[cloud.notify]` over the local
serve's; and a webhook URL never shows in a repr or a log line."""

from __future__ import annotations

from pathlib import Path

import pytest

from burro.frontends.cloud.notify import Notifier, redact, resolve


def _home(tmp_path: Path, table: str = "") -> Path:
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text(table, encoding="utf-8")
    return home


def _env(home: Path) -> dict[str, str]:
    return {"BURRO_HOME": str(home)}


def test_no_table_no_flag_is_no_notifier_or_the_fallback(tmp_path: Path) -> None:
    home = _home(tmp_path)
    assert resolve(_env(home), url=None, fmt=None) is None
    local = Notifier("http://serve.local/hook", "ntfy", ("failed",))
    assert resolve(_env(home), url=None, fmt=None, fallback=local) == local


def test_the_table_then_the_flags_win(tmp_path: Path) -> None:
    home = _home(
        tmp_path,
        '[cloud.notify]\nwebhook = "https://ntfy.sh/topic"\nformat = "ntfy"\non = ["failed"]\n',
    )
    fallback = Notifier("http://other/hook")
    table = resolve(_env(home), url=None, fmt=None, fallback=fallback)
    assert table == Notifier("https://ntfy.sh/topic", "ntfy", ("failed",))
    assert resolve(_env(home), url=None, fmt="json") == Notifier(
        "https://ntfy.sh/topic", "json", ("failed",)
    )
    # --notify URL replaces the webhook; the table's format and filter still apply.
    assert resolve(_env(home), url="http://flag/hook", fmt=None) == Notifier(
        "http://flag/hook", "ntfy", ("failed",)
    )


def test_the_filter_maps_statuses() -> None:
    only_approvals = Notifier("http://x/", on=("approval",))
    assert only_approvals.wants("waiting_approval")
    assert not only_approvals.wants("completed") and not only_approvals.wants("failed")


def test_secrets_in_the_url_are_not_shown() -> None:
    url = "https://user:pa55@ntfy.example:8443/s3cret-topic?auth=tok3n"
    assert redact(url) == "https://ntfy.example:8443/…"
    shown = repr(Notifier(url))
    assert "pa55" not in shown and "s3cret" not in shown and "tok3n" not in shown


def test_an_unreachable_webhook_is_logged_without_its_secret(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import asyncio
    import logging
    import socket
    from types import SimpleNamespace

    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://user:pa55@127.0.0.1:{port}/s3cret-topic?auth=tok3n"
    attempt = SimpleNamespace(task_id="task_1", k=1)
    with caplog.at_level(logging.WARNING, logger="burro.cloud"):
        asyncio.run(Notifier(url).send(attempt, "completed", "done"))
    assert f"notify webhook http://127.0.0.1:{port}/… failed" in caplog.text
    assert not any(s in caplog.text for s in ("pa55", "s3cret", "tok3n"))


def test_a_notify_table_is_the_webhook_and_a_notify_list_stays_the_program_hook(
    tmp_path: Path,
) -> None:
    from burro.config import ConfigError, load_settings

    home = _home(tmp_path, '[notify]\nwebhook = "https://ntfy.sh/t"\nformat = "ntfy"\n')
    assert resolve(_env(home), url=None, fmt=None) == Notifier("https://ntfy.sh/t", "ntfy")
    settings = load_settings(cwd=tmp_path, env=_env(home))
    assert settings.notify == ()  # no program to run
    (home / "config.toml").write_text('notify = ["notify-send", "burro"]\n', encoding="utf-8")
    settings = load_settings(cwd=tmp_path, env=_env(home))
    assert settings.notify == ("notify-send", "burro") and settings.cloud_notify is None
    (home / "config.toml").write_text(
        '[notify]\nwebhook = "https://a"\n[cloud.notify]\nwebhook = "https://b"\n',
        encoding="utf-8",
    )
    try:
        load_settings(cwd=tmp_path, env=_env(home))
    except ConfigError as exc:
        assert "set twice" in str(exc) and "\n" not in str(exc)
    else:
        raise AssertionError("two webhooks were accepted")
