"""`burro serve` as users get it: the task server, plus the GitHub review bot when the
environment configures one (BURRO_GITHUB_WEBHOOK_SECRET and credentials). Front ends
are independent packages, so this composition lives in the CLI."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from burro.frontends.cloud.cli import serve_command

GITHUB_PREFIX = "/github"
_EPILOG = """\b
GitHub review bot: with BURRO_GITHUB_WEBHOOK_SECRET and BURRO_GITHUB_TOKEN (or
BURRO_GITHUB_APP_ID + BURRO_GITHUB_PRIVATE_KEY_FILE) set, burro serve also runs the
bot: point the webhook at http://HOST:PORT/github/webhook (signed deliveries only, no
token needed); `@burro fix` starts tasks on this server. BURRO_GITHUB_API_URL selects
GitHub Enterprise."""


def _add_github(opts: Any) -> None:
    """Host the bot when the environment configures it; a half configuration is an
    error that says what to set (never a silently missing bot)."""
    from burro.config import burro_home
    from burro.frontends.github.config import BotConfigError, configured, from_env

    env = os.environ
    if not configured(env):
        return
    try:
        config = from_env(env, state_dir=burro_home(env) / "github")
    except BotConfigError as exc:
        click.echo(f"error: GitHub bot: {exc}", err=True)
        sys.exit(1)

    def github_bot(start_task: Any) -> Any:
        from burro.frontends.cloud.extensions import Extension
        from burro.frontends.github.server import BotService, mounted_app
        from burro.frontends.github.tasks import fix_handler

        service = BotService(config, fix_handler=fix_handler(start_task))
        return Extension(
            prefix=GITHUB_PREFIX,
            app=mounted_app(service, GITHUB_PREFIX),
            run=service.run,
            close=service.close,
        )

    opts.extensions.append(github_bot)


serve_cmd = serve_command(extend=_add_github, epilog=_EPILOG)
