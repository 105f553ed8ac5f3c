"""Webhook deliveries, durable: stored in SQLite when they arrive (a delivery id is
accepted once), handed to the worker one at a time, and handed again after a crash."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    id TEXT PRIMARY KEY,
    event TEXT NOT NULL,
    payload BLOB NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    not_before REAL NOT NULL DEFAULT 0,
    note TEXT NOT NULL DEFAULT '',
    received_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_ready ON deliveries (state, not_before);
"""


@dataclass(frozen=True)
class Delivery:
    id: str
    event: str
    payload: bytes
    attempts: int


class DeliveryQueue:
    """States: pending -> running -> done | ignored | failed (pending again on retry)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def recover(self) -> int:
        """Deliveries a previous process was working on go back to the queue."""
        cur = self._db.execute(
            "UPDATE deliveries SET state='pending', updated_at=? WHERE state='running'",
            (time.time(),),
        )
        return cur.rowcount

    def add(self, delivery_id: str, event: str, payload: bytes) -> bool:
        """False when this delivery id was seen before (a replay)."""
        now = time.time()
        try:
            self._db.execute(
                "INSERT INTO deliveries (id, event, payload, received_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (delivery_id, event, payload, now, now),
            )
        except sqlite3.IntegrityError:
            return False
        return True

    def claim(self) -> Delivery | None:
        now = time.time()
        self._db.execute("BEGIN IMMEDIATE")
        try:
            row = self._db.execute(
                "SELECT id, event, payload, attempts FROM deliveries "
                "WHERE state='pending' AND not_before<=? ORDER BY received_at, id LIMIT 1",
                (now,),
            ).fetchone()
            if row is None:
                return None
            self._db.execute(
                "UPDATE deliveries SET state='running', attempts=attempts+1, updated_at=? "
                "WHERE id=?",
                (now, row[0]),
            )
            return Delivery(id=row[0], event=row[1], payload=bytes(row[2]), attempts=row[3] + 1)
        finally:
            self._db.execute("COMMIT")

    def next_due(self) -> float | None:
        row = self._db.execute(
            "SELECT MIN(not_before) FROM deliveries WHERE state='pending'"
        ).fetchone()
        return None if row is None or row[0] is None else float(row[0])

    def finish(self, delivery_id: str, *, state: str = "done", note: str = "") -> None:
        self._db.execute(
            "UPDATE deliveries SET state=?, note=?, updated_at=? WHERE id=?",
            (state, note, time.time(), delivery_id),
        )

    def retry(self, delivery_id: str, *, delay_s: float, note: str, max_attempts: int) -> bool:
        """Schedule another attempt; False (and state failed) when attempts ran out."""
        row = self._db.execute(
            "SELECT attempts FROM deliveries WHERE id=?", (delivery_id,)
        ).fetchone()
        if row is None or row[0] >= max_attempts:
            self.finish(delivery_id, state="failed", note=note)
            return False
        self._db.execute(
            "UPDATE deliveries SET state='pending', not_before=?, note=?, updated_at=? WHERE id=?",
            (time.time() + delay_s, note, time.time(), delivery_id),
        )
        return True

    def states(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT id, state FROM deliveries").fetchall())
