"""`burro doctor`: one line per thing burro needs, and what to do about each failure."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from burro.config import Settings


def _line(ok: bool | None, what: str, detail: str) -> bool:
    mark = {True: "✓", False: "✗", None: "!"}[ok]
    click.echo(f"{mark} {what:<10} {detail}")
    return ok is not False


def _version(argv: list[str]) -> str | None:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[0] if out.returncode == 0 and text else None


def _provider(settings: Settings) -> tuple[bool, str]:
    import httpx

    p = settings.provider
    key = settings.api_key(os.environ)
    headers = {"authorization": f"Bearer {key}", "x-api-key": key} if key else {}
    url = p.base_url.rstrip("/") + "/models"
    try:
        resp = httpx.get(url, headers=headers, timeout=5.0)
    except httpx.HTTPError as exc:
        return False, f"cannot reach {p.base_url} ({type(exc).__name__}: {exc})"
    if resp.status_code in (401, 403):
        return False, f"{p.base_url} rejected the key (HTTP {resp.status_code}); run `burro login`"
    return True, f"{p.base_url} answers (HTTP {resp.status_code})"


def _key(settings: Settings) -> tuple[bool | None, str]:
    p = settings.provider
    if p.env_key and os.environ.get(p.env_key):
        return True, f"{p.env_key} is set"
    if settings.api_key(os.environ):
        return True, "stored by `burro login`"
    if not p.requires_api_key:
        return None, f"`{settings.provider_id}` needs no key"
    var = p.env_key or "a key"
    return False, f"{var} is not set; export it or run `burro login`"


@click.command("doctor")
@click.option("-C", "--cd", "cd", metavar="DIR", help="Check as if started in DIR.")
@click.option("-c", "--config", "overrides", multiple=True, metavar="KEY=VALUE")
@click.option("-p", "--profile", help="Configuration profile from config.toml.")
def doctor_cmd(cd: str | None, overrides: tuple[str, ...], profile: str | None) -> None:
    """Check the configuration, the provider (key and reachability), the sandbox
    (bubblewrap), git and ripgrep; one line each. Exit status 1 if something fails."""
    from burro.config import ConfigError, burro_home, load_settings

    cwd = Path(cd).resolve() if cd else Path.cwd()
    config_path = burro_home(os.environ) / "config.toml"
    try:
        settings = load_settings(
            cwd=cwd, env=os.environ, overrides=list(overrides), profile=profile
        )
    except ConfigError as exc:
        ok = _line(False, "config", str(exc))
    else:
        ok = _check_provider(settings, config_path)
    sandbox = _sandbox_check(cwd)
    ok &= _line(sandbox[0], "sandbox", sandbox[1])
    git = _version(["git", "--version"])
    ok &= _line(git is not None, "git", git or "not found; install git")
    rg = _ripgrep()
    ok &= _line(rg is not None, "ripgrep", rg or "rg not found; reinstall burro or install ripgrep")
    sys.exit(0 if ok else 1)


def _check_provider(settings: Settings, config_path: Path) -> bool:
    where = str(config_path) if config_path.is_file() else "defaults (no config.toml)"
    ok = _line(True, "config", f"{where}; model {settings.model} via {settings.provider_id}")
    for warning in settings.warnings:
        _line(None, "config", warning)
    key_ok, detail = _key(settings)
    ok &= _line(key_ok, "key", detail)
    reachable, detail = _provider(settings)
    return _line(reachable, "provider", detail) and ok


def _sandbox_check(cwd: Path) -> tuple[bool | None, str]:
    if sys.platform == "darwin":
        found = shutil.which("sandbox-exec")
        return found is not None, "sandbox-exec (seatbelt)" if found else "sandbox-exec missing"
    bwrap = _version(["bwrap", "--version"])
    if bwrap is None:
        return False, "bubblewrap (bwrap) not found; install it, e.g. apt-get install bubblewrap"
    probe = [sys.executable, "-m", "burro", "sandbox", "-s", "workspace-write", "--", "true"]
    try:
        out = subprocess.run(probe, cwd=cwd, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"{bwrap} is installed but a sandboxed command failed: {exc}"
    if out.returncode != 0:
        why = (out.stderr.strip().splitlines() or ["no output"])[-1]
        return False, f"{bwrap} is installed but a sandboxed command failed: {why}"
    return True, f"{bwrap} runs sandboxed commands"


def _ripgrep() -> str | None:
    local = Path(sys.executable).parent / ("rg.exe" if os.name == "nt" else "rg")
    rg = str(local) if local.exists() else shutil.which("rg")
    return _version([rg, "--version"]) if rg else None
