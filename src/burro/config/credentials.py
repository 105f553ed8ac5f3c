"""Provider keys stored by `burro login`: ``BURRO_HOME/credentials.json``, mode 0600,
never in config.toml. An environment variable always wins over a stored key."""

from __future__ import annotations

import json
import os
from pathlib import Path

FILE_NAME = "credentials.json"


def credentials_path(home: Path) -> Path:
    return home / FILE_NAME


def _read(home: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads(credentials_path(home).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def stored_key(home: Path, provider_id: str) -> str | None:
    entry = _read(home).get(provider_id)
    key = entry.get("api_key") if isinstance(entry, dict) else None
    return key if isinstance(key, str) and key else None


def _write(home: Path, data: dict[str, dict[str, str]]) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = credentials_path(home)
    tmp = path.with_name(f".{FILE_NAME}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2)
        fh.write("\n")
    os.chmod(tmp, 0o600)  # also when the umask or an old file said otherwise
    os.replace(tmp, path)
    return path


def store_key(home: Path, provider_id: str, key: str) -> Path:
    data = _read(home)
    data[provider_id] = {"api_key": key}
    return _write(home, data)


def remove_key(home: Path, provider_id: str) -> bool:
    data = _read(home)
    if data.pop(provider_id, None) is None:
        return False
    _write(home, data)
    return True
