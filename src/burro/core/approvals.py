"""Pending approval requests: the core asks (an Event) and waits for the front end's
answer (an Op). Answers remembered for the session live here too."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from burro.protocol.common import FileChange
from burro.protocol.events import Event, ExecApprovalRequest, PatchApprovalRequest
from burro.protocol.ops import ReviewDecision


class Approvals:
    def __init__(self, emit: Callable[[Event], None]) -> None:
        self._emit = emit
        self._pending: dict[str, asyncio.Future[ReviewDecision]] = {}
        self.session_prefixes: set[tuple[str, ...]] = set()
        self.session_paths: set[str] = set()
        self.session_tools: set[str] = set()  # MCP tools approved for the session

    async def ask_exec(
        self,
        *,
        turn_id: str,
        call_id: str,
        command: str,
        cwd: str,
        reason: str,
        prefix: tuple[str, ...],
        retry_unsandboxed: bool = False,
    ) -> ReviewDecision:
        return await self._ask(
            call_id,
            ExecApprovalRequest(
                turn_id=turn_id,
                call_id=call_id,
                command=command,
                cwd=cwd,
                reason=reason,
                prefix=list(prefix),
                retry_unsandboxed=retry_unsandboxed,
            ),
        )

    async def ask_patch(
        self, *, turn_id: str, call_id: str, changes: list[FileChange], reason: str
    ) -> ReviewDecision:
        return await self._ask(
            call_id,
            PatchApprovalRequest(turn_id=turn_id, call_id=call_id, changes=changes, reason=reason),
        )

    async def _ask(self, call_id: str, event: Event) -> ReviewDecision:
        fut: asyncio.Future[ReviewDecision] = asyncio.get_running_loop().create_future()
        self._pending[call_id] = fut
        self._emit(event)
        try:
            return await fut
        finally:
            self._pending.pop(call_id, None)

    def answer(self, call_id: str, decision: ReviewDecision) -> bool:
        """Deliver the user's decision; False when nothing is waiting for ``call_id``."""
        fut = self._pending.get(call_id)
        if fut is None or fut.done():
            return False
        fut.set_result(decision)
        return True
