"""What a front end needs of a running session, as seams (Protocols, no I/O here).

``SessionPort`` is satisfied by core.api's ``SessionHandle`` (a local session) and by the
cloud front end's ``RemoteSession`` (a task on a `burro serve`), so the terminal UI
drives either without knowing which. ``Handoff`` is how the UI's `/cloud` reaches the
cloud client without importing it; the CLI composes the two."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

from burro.protocol.errors import BurroError
from burro.protocol.events import Event
from burro.protocol.mcp import McpServerStatus
from burro.protocol.ops import Op

__all__ = ["Handoff", "HandoffError", "SessionPort"]


class SessionPort(Protocol):
    """A running session: submit Ops, read its Events until it shuts down."""

    @property
    def session_id(self) -> str: ...

    @property
    def rollout_path(self) -> str | None: ...

    def submit(self, op: Op) -> None: ...

    def events(self) -> AsyncIterator[Event]: ...

    def mcp_servers(self) -> list[McpServerStatus]: ...

    async def wait_closed(self) -> None: ...

    async def shutdown(self, *, grace_s: float = 10.0) -> bool: ...


class HandoffError(BurroError):
    """The session could not be handed over; the message says why and what to do."""

    code = "connection"


class Handoff(Protocol):
    """Hand a saved local session (id or path; None: no session yet) and the uncommitted
    changes of ``cwd`` to a task server, which continues it with ``prompt``. Returns the
    task id; raises HandoffError. Blocking (callers run it in a thread)."""

    def __call__(self, *, session: str | None, cwd: str, prompt: str) -> str: ...
