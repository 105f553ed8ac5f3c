"""Where `burro serve` keeps its state under $BURRO_HOME, and the access token."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

TASK_QUEUE = "burro-tasks"


def serve_dir(home: Path) -> Path:
    return home / "serve"


def token_path(home: Path) -> Path:
    return serve_dir(home) / "token"


def load_or_create_token(home: Path) -> str:
    """The server's bearer token: created on first start, stored 0600."""
    path = token_path(home)
    try:
        token = path.read_text(encoding="utf-8").strip()
        if token:
            return token
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    token = "brt_" + secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(token + "\n")
    os.chmod(path, 0o600)
    return token


@dataclass(frozen=True, kw_only=True)
class ServeInfo:
    """Written by `burro serve` so `burro worker` and `burro cloud` on the same machine
    find it with no flags."""

    url: str
    temporal_address: str
    database_url: str
    pid: int
    task_queue: str = TASK_QUEUE
    notify_url: str | None = None
    notify_format: str = "json"
    notify_on: list[str] | None = None


def info_path(home: Path) -> Path:
    return serve_dir(home) / "serve.json"


def write_info(home: Path, info: ServeInfo) -> None:
    path = info_path(home)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(info)), encoding="utf-8")
    tmp.chmod(0o600)  # the webhook URL may hold a secret (an ntfy topic, a token)
    os.replace(tmp, path)


def read_info(home: Path) -> ServeInfo | None:
    try:
        data = json.loads(info_path(home).read_text(encoding="utf-8"))
        return ServeInfo(**data)
    except (OSError, ValueError, TypeError):
        return None


def default_database_url(home: Path) -> str:
    return str(serve_dir(home) / "tasks.sqlite3")


def client_token(home: Path, env: Mapping[str, str]) -> str | None:
    token = env.get("BURRO_TOKEN")
    if token:
        return token.strip()
    try:
        return token_path(home).read_text(encoding="utf-8").strip() or None
    except OSError:
        return None
