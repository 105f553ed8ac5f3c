"""The task store: tasks, attempts, events, rollouts and diffs, in SQLite (default) or
PostgreSQL (``postgresql://`` URL, shared by API servers and workers on many machines).

Calls are synchronous and serialised by one lock per store; async callers go through
:meth:`TaskStore.run` (a worker thread), so the event loop never blocks on the database.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

TERMINAL = ("completed", "failed", "cancelled")


class StoreError(Exception):
    """The database cannot be opened or used; the message says what to fix."""


@dataclass(frozen=True, kw_only=True)
class AttemptRow:
    id: str
    task_id: str
    k: int
    status: str
    session_id: str | None
    model: str | None
    effort: str | None
    started_at: float | None
    finished_at: float | None
    last_message: str | None
    error: str | None
    usage: dict[str, Any]
    live: dict[str, Any]
    worker: str | None


@dataclass(frozen=True, kw_only=True)
class TaskRow:
    id: str
    created_at: float
    spec: dict[str, Any]
    base_commit: str | None
    cancelled: bool


@dataclass(frozen=True, kw_only=True)
class EventRow:
    attempt_id: str
    k: int
    seq: int
    kind: str
    data: str


_ATTEMPT_COLS = (
    "id, task_id, k, status, session_id, model, effort, started_at, finished_at, "
    "last_message, error, usage, live, worker"
)


def _migrations() -> list[tuple[int, str]]:
    folder = resources.files("burro.frontends.cloud") / "migrations"
    out = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            out.append((int(entry.name.split("_", 1)[0]), entry.read_text(encoding="utf-8")))
    return sorted(out)


def _statements(sql: str) -> list[str]:
    lines = [ln for ln in sql.splitlines() if not ln.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


class TaskStore:
    """One connection, one lock. ``url`` is a file path / ``sqlite:///path`` or a
    ``postgresql://`` URL."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._lock = threading.Lock()
        self.postgres = url.startswith(("postgresql://", "postgres://"))
        self._conn: Any = self._connect()

    # ------------------------------------------------------------ plumbing
    def _connect(self) -> Any:
        if self.postgres:
            try:
                import psycopg

                return psycopg.connect(self.url, autocommit=True, connect_timeout=10)
            except Exception as exc:
                raise StoreError(
                    f"cannot connect to the database at {_redact(self.url)}: {exc}".strip()
                ) from exc
        import sqlite3

        path = Path(self.url.removeprefix("sqlite:///").removeprefix("sqlite://"))
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(
                str(path), check_same_thread=False, timeout=30, isolation_level=None
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=30000")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the task database {path}: {exc}") from exc
        return conn

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.postgres else sql

    def _exec(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            cur = self._conn.execute(self._sql(sql), tuple(args))
            rows = cur.fetchall() if cur.description else []
            return [tuple(r) for r in rows]

    def _many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if not rows:
            return
        with self._lock:
            if self.postgres:
                with self._conn.transaction(), self._conn.cursor() as cur:
                    cur.executemany(self._sql(sql), rows)
            else:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    self._conn.executemany(sql, rows)
                    self._conn.execute("COMMIT")
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise

    async def run(self, fn: Callable[..., T], *args: Any, **kw: Any) -> T:
        return await asyncio.to_thread(fn, *args, **kw)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def migrate(self) -> int:
        """Apply the checked-in migrations not applied yet; returns the schema version."""
        self._exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        if self.postgres:  # two processes migrating at once wait for each other
            self._exec("SELECT pg_advisory_lock(8765)")
        try:
            rows = self._exec("SELECT MAX(version) FROM schema_version")
            current = int(rows[0][0] or 0) if rows else 0
            for version, sql in _migrations():
                if version <= current:
                    continue
                for stmt in _statements(sql):
                    self._exec(stmt)
                self._exec("INSERT INTO schema_version (version) VALUES (?)", (version,))
                current = version
            return current
        finally:
            if self.postgres:
                self._exec("SELECT pg_advisory_unlock(8765)")

    # ------------------------------------------------------------ tasks
    def create_task(self, task_id: str, spec: dict[str, Any], attempt_ids: list[str]) -> None:
        now = time.time()
        self._exec(
            "INSERT INTO tasks (id, created_at, spec, base_commit) VALUES (?, ?, ?, ?)",
            (task_id, now, json.dumps(spec), spec.get("base_commit")),
        )
        self._many(
            "INSERT INTO attempts (id, task_id, k, status, usage, live) VALUES (?, ?, ?, ?, ?, ?)",
            [(aid, task_id, k, "queued", "{}", "{}") for k, aid in enumerate(attempt_ids, 1)],
        )
        self._many(
            "INSERT INTO turns (attempt_id, key, message, status, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [(aid, "t0", spec["prompt"], "queued", now) for aid in attempt_ids],
        )

    def task(self, task_id: str) -> TaskRow | None:
        rows = self._exec(
            "SELECT id, created_at, spec, base_commit, cancelled FROM tasks WHERE id = ?",
            (task_id,),
        )
        return _task(rows[0]) if rows else None

    def tasks(self, limit: int = 50) -> list[TaskRow]:
        rows = self._exec(
            "SELECT id, created_at, spec, base_commit, cancelled FROM tasks "
            "ORDER BY created_at DESC LIMIT ?",
            (limit,),
        )
        return [_task(r) for r in rows]

    def set_base_commit(self, task_id: str, commit: str) -> None:
        self._exec(
            "UPDATE tasks SET base_commit = ? WHERE id = ? AND base_commit IS NULL",
            (commit, task_id),
        )

    def mark_cancelled(self, task_id: str) -> None:
        self._exec("UPDATE tasks SET cancelled = 1 WHERE id = ?", (task_id,))

    # ------------------------------------------------------------ attempts
    def attempts(self, task_id: str) -> list[AttemptRow]:
        rows = self._exec(
            f"SELECT {_ATTEMPT_COLS} FROM attempts WHERE task_id = ? ORDER BY k", (task_id,)
        )
        return [_attempt(r) for r in rows]

    def attempt(self, attempt_id: str) -> AttemptRow | None:
        rows = self._exec(f"SELECT {_ATTEMPT_COLS} FROM attempts WHERE id = ?", (attempt_id,))
        return _attempt(rows[0]) if rows else None

    def update_attempt(self, attempt_id: str, **fields: Any) -> None:
        if not fields:
            return
        cols = ", ".join(f"{name} = ?" for name in fields)
        values = [json.dumps(v) if isinstance(v, dict) else v for v in fields.values()]
        self._exec(f"UPDATE attempts SET {cols} WHERE id = ?", (*values, attempt_id))

    # ------------------------------------------------------------ turns (prompts)
    def add_turn(self, attempt_id: str, key: str, message: str) -> None:
        self._exec(
            "INSERT INTO turns (attempt_id, key, message, status, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (attempt_id, key, message, "queued", time.time()),
        )

    def turn(self, attempt_id: str, key: str) -> tuple[str, str] | None:
        rows = self._exec(
            "SELECT message, status FROM turns WHERE attempt_id = ? AND key = ?",
            (attempt_id, key),
        )
        return (str(rows[0][0]), str(rows[0][1])) if rows else None

    def set_turn_status(self, attempt_id: str, key: str, status: str) -> None:
        self._exec(
            "UPDATE turns SET status = ? WHERE attempt_id = ? AND key = ?",
            (status, attempt_id, key),
        )

    # ------------------------------------------------------------ events
    def next_seq(self, attempt_id: str) -> int:
        rows = self._exec("SELECT MAX(seq) FROM events WHERE attempt_id = ?", (attempt_id,))
        return int(rows[0][0] or 0) + 1

    def append_events(self, attempt_id: str, events: list[tuple[int, str, str]]) -> None:
        """``(seq, kind, json)`` rows; a seq already stored is an error (no duplicates)."""
        self._many(
            "INSERT INTO events (attempt_id, seq, kind, data) VALUES (?, ?, ?, ?)",
            [(attempt_id, seq, kind, data) for seq, kind, data in events],
        )

    def events_after(
        self, task_id: str, cursor: dict[int, int], *, limit: int = 500
    ) -> list[EventRow]:
        """Events of every attempt of the task past ``cursor`` (attempt k -> last seq)."""
        out: list[EventRow] = []
        for a in self.attempts(task_id):
            rows = self._exec(
                "SELECT seq, kind, data FROM events WHERE attempt_id = ? AND seq > ? "
                "ORDER BY seq LIMIT ?",
                (a.id, cursor.get(a.k, 0), limit),
            )
            out.extend(
                EventRow(attempt_id=a.id, k=a.k, seq=int(s), kind=kd, data=d) for s, kd, d in rows
            )
        return out

    # ------------------------------------------------------------ rollout, diff, approvals
    def append_rollout(self, attempt_id: str, first: int, lines: list[str]) -> None:
        self._many(
            "INSERT INTO rollout_lines (attempt_id, n, line) VALUES (?, ?, ?)",
            [(attempt_id, first + i, line) for i, line in enumerate(lines)],
        )

    def rollout(self, attempt_id: str) -> list[str]:
        rows = self._exec(
            "SELECT line FROM rollout_lines WHERE attempt_id = ? ORDER BY n", (attempt_id,)
        )
        return [str(r[0]) for r in rows]

    def put_diff(self, attempt_id: str, diff: str, files: list[str]) -> None:
        args = (diff, json.dumps(files), time.time(), attempt_id)
        with self._lock:
            cur = self._conn.execute(
                self._sql(
                    "UPDATE diffs SET diff = ?, files = ?, updated_at = ? WHERE attempt_id = ?"
                ),
                args,
            )
            if cur.rowcount == 0:
                self._conn.execute(
                    self._sql(
                        "INSERT INTO diffs (diff, files, updated_at, attempt_id) VALUES (?, ?, ?, ?)"
                    ),
                    args,
                )

    def diff(self, attempt_id: str) -> tuple[str, list[str]]:
        rows = self._exec("SELECT diff, files FROM diffs WHERE attempt_id = ?", (attempt_id,))
        if not rows:
            return "", []
        return str(rows[0][0]), list(json.loads(rows[0][1]))

    def request_interrupt(self, attempt_id: str) -> None:
        self._exec("UPDATE attempts SET interrupt_requested = 1 WHERE id = ?", (attempt_id,))

    def take_interrupt(self, attempt_id: str) -> bool:
        rows = self._exec("SELECT interrupt_requested FROM attempts WHERE id = ?", (attempt_id,))
        if not rows or not rows[0][0]:
            return False
        self._exec("UPDATE attempts SET interrupt_requested = 0 WHERE id = ?", (attempt_id,))
        return True

    def add_approval(self, attempt_id: str, call_id: str, decision: str) -> None:
        self._exec(
            "DELETE FROM approvals WHERE attempt_id = ? AND call_id = ?", (attempt_id, call_id)
        )
        self._exec(
            "INSERT INTO approvals (attempt_id, call_id, decision) VALUES (?, ?, ?)",
            (attempt_id, call_id, decision),
        )

    def take_approvals(self, attempt_id: str) -> list[tuple[str, str]]:
        rows = self._exec(
            "SELECT call_id, decision FROM approvals WHERE attempt_id = ? AND consumed = 0",
            (attempt_id,),
        )
        if rows:
            self._exec("UPDATE approvals SET consumed = 1 WHERE attempt_id = ?", (attempt_id,))
        return [(str(c), str(d)) for c, d in rows]


def _task(r: tuple[Any, ...]) -> TaskRow:
    return TaskRow(
        id=r[0],
        created_at=float(r[1]),
        spec=json.loads(r[2]),
        base_commit=r[3],
        cancelled=bool(r[4]),
    )


def _attempt(r: tuple[Any, ...]) -> AttemptRow:
    return AttemptRow(
        id=r[0],
        task_id=r[1],
        k=int(r[2]),
        status=r[3],
        session_id=r[4],
        model=r[5],
        effort=r[6],
        started_at=r[7],
        finished_at=r[8],
        last_message=r[9],
        error=r[10],
        usage=json.loads(r[11] or "{}"),
        live=json.loads(r[12] or "{}"),
        worker=r[13],
    )


def _redact(url: str) -> str:
    """The URL without its password."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"


def open_store(url: str) -> TaskStore:
    store = TaskStore(url)
    store.migrate()
    return store
