"""The mutable state of one session, shared by the actor and its turns."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from burro.config import Settings
from burro.core.rollout import RolloutWriter
from burro.models import ModelClient
from burro.protocol.common import ReasoningEffort, ReasoningSummary, TokenUsage
from burro.protocol.events import Event
from burro.protocol.items import Item, Message
from burro.tools import ToolContext, ToolRegistry


@dataclass
class SessionState:
    settings: Settings
    session_id: str
    instructions: str
    client: ModelClient
    registry: ToolRegistry
    emit: Callable[[Event], None]
    rollout: RolloutWriter | None = None
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    history: list[Item] = field(default_factory=list)
    pending_input: list[Message] = field(default_factory=list)
    usage: TokenUsage = field(default_factory=TokenUsage)
    model: str = ""
    effort: ReasoningEffort | None = None
    summary: ReasoningSummary | None = None

    def record(self, item: Item) -> None:
        """Append to history and to the rollout (written before anything else runs)."""
        self.history.append(item)
        if self.rollout is not None:
            self.rollout.item(item)

    def tool_context(self, *, turn_id: str, call_id: str, workdir: Path | None) -> ToolContext:
        cwd = self.settings.cwd
        if workdir is not None:
            cwd = workdir if workdir.is_absolute() else cwd / workdir
        return ToolContext(
            turn_id=turn_id,
            call_id=call_id,
            cwd=cwd,
            emit=self.emit,
            env=self.env,
            supports_images=self.settings.model_info.supports_images,
            output_limit_bytes=self.settings.tool_output_bytes,
        )
