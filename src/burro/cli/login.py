"""`burro login` / `burro logout`: a provider key stored 0600 under BURRO_HOME."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click


def _provider(name: str | None) -> str:
    if name:
        return name
    from burro.config import ConfigError, load_settings

    try:
        return load_settings(cwd=Path.cwd(), env=os.environ).provider_id
    except ConfigError:
        return "openai"


def _home() -> Path:
    from burro.config import burro_home

    return burro_home(os.environ)


@click.command("login")
@click.option("--provider", metavar="NAME", help="Provider the key is for (default: configured).")
@click.option(
    "--with-api-key", is_flag=True, help="Read the key from stdin (e.g. from a secret manager)."
)
def login_cmd(provider: str | None, with_api_key: bool) -> None:
    """Store an API key for a provider (never in config.toml).

    The key goes to BURRO_HOME/credentials.json, readable only by you; the provider's
    environment variable (e.g. OPENAI_API_KEY), when set, still wins.

    \b
    Examples:
      burro login                                 (asks for the key, hidden)
      printenv OPENAI_API_KEY | burro login --with-api-key
      burro login --provider anthropic"""
    from burro.config.credentials import store_key

    pid = _provider(provider)
    if with_api_key or not sys.stdin.isatty():
        key = sys.stdin.read().strip()
    else:
        key = click.prompt(f"API key for {pid}", hide_input=True, err=True).strip()
    if not key or any(c.isspace() for c in key):
        click.echo("error: the key is empty or contains spaces; nothing was stored", err=True)
        sys.exit(1)
    path = store_key(_home(), pid, key)
    click.echo(f"stored the key for `{pid}` in {path} (mode 0600)", err=True)


@click.command("logout")
@click.option(
    "--provider", metavar="NAME", help="Provider whose key to forget (default: configured)."
)
def logout_cmd(provider: str | None) -> None:
    """Forget a key stored by `burro login`."""
    from burro.config.credentials import remove_key

    pid = _provider(provider)
    if remove_key(_home(), pid):
        click.echo(f"removed the stored key for `{pid}`", err=True)
    else:
        click.echo(f"no stored key for `{pid}`", err=True)
