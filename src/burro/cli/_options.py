"""Options shared by `burro`, its UI subcommands and `burro exec`, defined once."""

from __future__ import annotations

import click

SANDBOXES = ["read-only", "workspace-write", "danger-full-access"]

MODEL = click.option("-m", "--model", help="Model to use, e.g. gpt-5.5.")
PROFILE = click.option("-p", "--profile", help="Configuration profile from config.toml.")
CONFIG = click.option(
    "-c",
    "--config",
    "overrides",
    multiple=True,
    metavar="KEY=VALUE",
    help='Override a config key (TOML value), e.g. -c model="gpt-5.5".',
)
CD = click.option("-C", "--cd", "cd", metavar="DIR", help="Working directory.")
IMAGE = click.option(
    "-i", "--image", "images", multiple=True, metavar="FILE", help="Attach an image (PNG, JPEG…)."
)
OSS = click.option(
    "--oss", is_flag=True, help="Use a local OpenAI-compatible server (ollama by default)."
)
LOCAL_PROVIDER = click.option(
    "--local-provider", metavar="NAME", help="Local provider for --oss (ollama, lmstudio…)."
)
FULL_AUTO = click.option(
    "--full-auto", is_flag=True, help="workspace-write sandbox, ask only on request."
)
