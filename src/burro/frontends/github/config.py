"""How the bot is configured: credentials, where GitHub is, what triggers a review."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_API = "https://api.github.com"
PR_ACTIONS = ("opened", "synchronize", "ready_for_review", "reopened")


class BotConfigError(ValueError):
    """A configuration the bot cannot start with; the message says what to set."""


@dataclass(frozen=True, kw_only=True)
class BotConfig:
    webhook_secret: str
    state_dir: Path
    token: str | None = None
    app_id: str | None = None
    private_key: str | None = None
    api_url: str = DEFAULT_API
    mention: str = "burro"
    # Findings of this priority or more urgent become inline comments (P0=0 ... P3=3).
    inline_max_priority: int = 1
    pr_actions: tuple[str, ...] = PR_ACTIONS
    review_drafts: bool = False
    max_payload_bytes: int = 25 * 1024 * 1024
    max_attempts: int = 5
    # A rate-limit wait up to this long happens in place; a longer one reschedules the job.
    max_inline_wait_s: float = 60.0
    retry_base_s: float = 5.0
    model: str | None = None
    profile: str | None = None
    overrides: tuple[str, ...] = field(default_factory=tuple)

    def check(self) -> None:
        if not self.webhook_secret:
            raise BotConfigError(
                "a webhook secret is required: set BURRO_GITHUB_WEBHOOK_SECRET "
                "(the same value as in the GitHub App or webhook settings)"
            )
        if not self.token and not (self.app_id and self.private_key):
            raise BotConfigError(
                "GitHub credentials are required: BURRO_GITHUB_APP_ID and "
                "BURRO_GITHUB_PRIVATE_KEY_FILE for a GitHub App, or BURRO_GITHUB_TOKEN"
            )
        if not 0 <= self.inline_max_priority <= 3:
            raise BotConfigError("--inline-priority must be one of P0, P1, P2, P3")


def configured(env: Mapping[str, str]) -> bool:
    """Whether the environment sets the bot up (`burro serve` then runs it too)."""
    return bool(env.get("BURRO_GITHUB_WEBHOOK_SECRET"))


def from_env(env: Mapping[str, str], *, state_dir: Path, **options: Any) -> BotConfig:
    """The bot's configuration: secrets and where GitHub is from the environment, the
    rest from ``options`` (BotConfig fields). Checked: BotConfigError says what to set."""
    key = None
    key_file = env.get("BURRO_GITHUB_PRIVATE_KEY_FILE")
    if key_file:
        try:
            key = Path(key_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise BotConfigError(f"BURRO_GITHUB_PRIVATE_KEY_FILE: {exc}") from exc
    options.setdefault("api_url", env.get("BURRO_GITHUB_API_URL") or DEFAULT_API)
    config = BotConfig(
        webhook_secret=env.get("BURRO_GITHUB_WEBHOOK_SECRET", ""),
        token=env.get("BURRO_GITHUB_TOKEN") or None,
        app_id=env.get("BURRO_GITHUB_APP_ID") or None,
        private_key=key,
        state_dir=state_dir,
        **options,
    )
    config.check()
    return config
