"""What the command line passes to the TUI."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(kw_only=True)
class TuiOptions:
    prompt: str | None = None
    model: str | None = None
    profile: str | None = None
    overrides: list[str] = field(default_factory=list)
    cd: str | None = None
    sandbox: str | None = None
    approval_policy: str | None = None
    provider: str | None = None
    images: list[str] = field(default_factory=list)
    # `burro resume`: an id/prefix, the newest session (last), or a picker (neither).
    resume: bool = False
    resume_id: str | None = None
    resume_last: bool = False
    resume_all: bool = False
