-- burro task store, version 1. One dialect-neutral schema for SQLite and PostgreSQL.
CREATE TABLE IF NOT EXISTS tasks (
    id TEXT PRIMARY KEY,
    created_at DOUBLE PRECISION NOT NULL,
    spec TEXT NOT NULL,
    base_commit TEXT,
    cancelled INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS attempts (
    id TEXT PRIMARY KEY,
    task_id TEXT NOT NULL REFERENCES tasks(id),
    k INTEGER NOT NULL,
    status TEXT NOT NULL,
    session_id TEXT,
    model TEXT,
    effort TEXT,
    started_at DOUBLE PRECISION,
    finished_at DOUBLE PRECISION,
    last_message TEXT,
    error TEXT,
    usage TEXT,
    live TEXT,
    worker TEXT
);
CREATE INDEX IF NOT EXISTS attempts_task ON attempts(task_id, k);
CREATE TABLE IF NOT EXISTS events (
    attempt_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (attempt_id, seq)
);
CREATE TABLE IF NOT EXISTS rollout_lines (
    attempt_id TEXT NOT NULL,
    n INTEGER NOT NULL,
    line TEXT NOT NULL,
    PRIMARY KEY (attempt_id, n)
);
CREATE TABLE IF NOT EXISTS diffs (
    attempt_id TEXT PRIMARY KEY,
    diff TEXT NOT NULL,
    files TEXT NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL
);
CREATE TABLE IF NOT EXISTS turns (
    attempt_id TEXT NOT NULL,
    key TEXT NOT NULL,
    message TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (attempt_id, key)
);
CREATE TABLE IF NOT EXISTS approvals (
    attempt_id TEXT NOT NULL,
    call_id TEXT NOT NULL,
    decision TEXT NOT NULL,
    consumed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (attempt_id, call_id)
);
