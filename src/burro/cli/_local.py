"""`--oss`: a quick loopback connect check before the first request, so a local server
that is not running is one line, not a series of connection retries."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

DEFAULT_LOCAL_PROVIDER = "ollama"
_HINTS = {
    "ollama": "start it with `ollama serve`",
    "lmstudio": "start the LM Studio server",
}


def _say(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def check_local_server(
    provider: str,
    *,
    overrides: list[str],
    profile: str | None,
    cd: str | None,
    model: str | None = None,
) -> str | None:
    """Exit with one line when no local server listens. Returns the model to use when
    none was chosen and the server does not serve the configured one: its first model."""
    import socket  # only with --oss: not on every start
    from urllib.parse import urlsplit

    from burro.config import ConfigError, load_settings

    try:
        cwd = Path(cd).resolve() if cd else Path.cwd()
        settings = load_settings(
            cwd=cwd, env=os.environ, overrides=overrides, profile=profile, provider=provider
        )
    except (ConfigError, OSError):
        return None  # the command itself reports a bad configuration
    base = settings.provider.base_url
    url = urlsplit(base)
    host = url.hostname or ""
    if host not in ("localhost", "127.0.0.1", "::1", "0.0.0.0"):
        return None  # only loopback servers are checked: a remote one answers for itself
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        socket.create_connection((host, port), timeout=1.0).close()
    except OSError:
        hint = _HINTS.get(provider, "start it")
        _say(
            f"error: no local model server listens at {base} (provider `{provider}`); "
            f"{hint}, or choose another with --local-provider"
        )
        sys.exit(1)
    if model is not None:
        return None
    import asyncio

    from burro.core.api import discover_models

    served = [m.id for m in asyncio.run(discover_models(settings, env=os.environ))]
    if not served or settings.model in served:
        return None
    _say(
        f"note: {base} does not serve `{settings.model}`; using `{served[0]}`, the first "
        "model it lists (choose another with -m)"
    )
    return served[0]


def apply_oss(kw: dict[str, Any]) -> str | None:
    """`--oss` for any command's options: the local provider to use (None without
    --oss), after the server check; ``kw["model"]`` becomes the server's own model when
    none was chosen and the configured one is not served."""
    if not kw.get("oss"):
        return None
    provider = str(kw.get("local_provider") or DEFAULT_LOCAL_PROVIDER)
    kw["model"] = check_local_server(
        provider,
        overrides=list(kw.get("overrides") or ()),
        profile=kw.get("profile"),
        cd=kw.get("cd"),
        model=kw.get("model"),
    ) or kw.get("model")
    return provider
