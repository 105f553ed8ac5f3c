"""`burro github serve`: the review bot's webhook server."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

MODEL = click.option("-m", "--model", help="Model for reviews.")
PROFILE = click.option("-p", "--profile", help="Configuration profile from config.toml.")
CONFIG = click.option(
    "-c",
    "--config",
    "overrides",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override a config key (TOML value).",
)


@click.group("github")
def github_group() -> None:
    """The self-hosted GitHub review bot."""


@github_group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8787, show_default=True, type=int)
@click.option(
    "--api-url",
    envvar="BURRO_GITHUB_API_URL",
    default="https://api.github.com",
    show_default=True,
    help="GitHub Enterprise: https://HOST/api/v3",
)
@click.option(
    "--state-dir",
    type=click.Path(file_okay=False),
    help="Queue and checkouts (default: $BURRO_HOME/github).",
)
@click.option(
    "--inline-priority",
    default="P1",
    show_default=True,
    type=click.Choice(["P0", "P1", "P2", "P3"], case_sensitive=False),
    help="Findings this urgent or more become inline comments; the rest stay in the summary.",
)
@click.option(
    "--task-server",
    metavar="URL",
    envvar="BURRO_TASK_SERVER",
    help="burro serve's URL: `@burro fix` starts background tasks there "
    "(token in BURRO_SERVE_TOKEN).",
)
@click.option("--review-drafts", is_flag=True, help="Also review draft pull requests.")
@click.option(
    "--retry-base-seconds",
    default=5.0,
    show_default=True,
    type=float,
    hidden=True,
    help="First wait before retrying a failed review (doubles each time).",
)
@click.option(
    "--mention", default="burro", show_default=True, help="The name in `@NAME review` comments."
)
@MODEL
@PROFILE
@CONFIG
def serve_cmd(**kw: Any) -> None:
    """Receive GitHub webhooks and review pull requests.

    \b
    Credentials come from the environment:
      BURRO_GITHUB_WEBHOOK_SECRET            the webhook secret (required)
      BURRO_GITHUB_APP_ID + BURRO_GITHUB_PRIVATE_KEY_FILE   as a GitHub App, or
      BURRO_GITHUB_TOKEN                     a token with pull request write access
    Point the webhook (pull_request, issue_comment) at http://HOST:PORT/webhook."""
    import os

    from burro.config import burro_home
    from burro.frontends.github.config import BotConfigError, from_env
    from burro.review import parse_priority

    env = os.environ
    try:
        state = Path(kw["state_dir"]) if kw.get("state_dir") else burro_home(env) / "github"
        config = from_env(
            env,
            state_dir=state,
            api_url=kw["api_url"],
            mention=kw["mention"],
            inline_max_priority=parse_priority(kw["inline_priority"]),
            review_drafts=bool(kw.get("review_drafts")),
            retry_base_s=kw["retry_base_seconds"],
            model=kw.get("model"),
            profile=kw.get("profile"),
            overrides=tuple(kw.get("overrides") or ()),
        )
    except BotConfigError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    fix = None
    if kw.get("task_server"):
        from burro.frontends.github.tasks import task_server_fix

        if not env.get("BURRO_SERVE_TOKEN"):
            click.echo(
                "error: --task-server needs BURRO_SERVE_TOKEN (printed by burro serve)", err=True
            )
            sys.exit(1)
        fix = task_server_fix(kw["task_server"], env["BURRO_SERVE_TOKEN"])
    sys.exit(serve(config, host=kw["host"], port=kw["port"], fix_handler=fix))


def serve(config: Any, *, host: str, port: int, fix_handler: Any = None) -> int:
    import logging

    import uvicorn

    from burro.frontends.github.server import BotService, webhook_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    service = BotService(config, fix_handler=fix_handler)
    app = webhook_app(service)
    click.echo(f"burro github: listening on http://{host}:{port}/webhook", err=True)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
    server.run()
    service.close()
    return 0
