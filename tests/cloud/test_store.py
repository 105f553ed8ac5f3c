"""The task store's schema: migrations apply once, in order, on SQLite and PostgreSQL,
and an old database is brought up to date without losing rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from burro.frontends.cloud.store import StoreError, TaskStore, open_store
from tests.cloud.postgres import fresh_database


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "tasks.sqlite3")
    return fresh_database(request.getfixturevalue("postgres_url"))


def test_migrations_apply_once_and_upgrade_an_old_database(url: str) -> None:
    old = TaskStore(url)
    old._exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    from burro.frontends.cloud.store import _migrations, _statements

    version, sql = _migrations()[0]
    for stmt in _statements(sql):
        old._exec(stmt)
    old._exec("INSERT INTO schema_version (version) VALUES (?)", (version,))
    old.create_task("task_old", {"prompt": "p", "repo": "/r"}, ["task_old_1"])
    old.close()

    store = open_store(url)  # version 1 -> latest
    assert store.migrate() == len(_migrations())
    assert store.attempt("task_old_1") is not None
    store.request_interrupt("task_old_1")
    assert store.take_interrupt("task_old_1") is True
    assert store.take_interrupt("task_old_1") is False
    store.close()
    again = open_store(url)  # nothing left to apply
    rows = again._exec("SELECT COUNT(*) FROM schema_version")
    assert rows[0][0] == len(_migrations())
    again.close()


def test_events_are_never_stored_twice(url: str) -> None:
    store = open_store(url)
    store.create_task("task_x", {"prompt": "p", "repo": "/r"}, ["task_x_1"])
    store.append_events("task_x_1", [(1, "warning", "{}"), (2, "warning", "{}")])
    with pytest.raises(Exception):  # noqa: B017 - the driver's integrity error
        store.append_events("task_x_1", [(2, "warning", "{}")])
    assert [e.seq for e in store.events_after("task_x", {})] == [1, 2]
    assert [e.seq for e in store.events_after("task_x", {1: 1})] == [2]
    store.close()


def test_an_unreachable_database_says_what_is_wrong() -> None:
    with pytest.raises(
        StoreError,
        match=r"cannot connect to the database at postgresql://u:\*\*\*@127\.0\.0\.1:9/x",
    ):
        TaskStore("postgresql://u:secret@127.0.0.1:9/x")
