"""How the bot is configured: credentials, where GitHub is, what triggers a review."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

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
