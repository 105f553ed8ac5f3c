"""The UI's side of `notify = [...]`: a turn that ended or an approval that waits runs the
configured program (see burro.util.notify)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from burro.protocol import events as ev

if TYPE_CHECKING:
    from burro.util.notify import Notifier


def notify_event(notifier: Notifier, e: ev.Event, session_id: str) -> None:
    if isinstance(e, ev.UserMessageEvent):
        notifier.user_message(e.text)
    elif isinstance(e, ev.TurnComplete):
        notifier.turn_complete(
            thread_id=session_id, turn_id=e.turn_id, last_message=e.last_agent_message
        )
    elif isinstance(e, ev.ExecApprovalRequest):
        notifier.approval_requested(
            thread_id=session_id, turn_id=e.turn_id, call_id=e.call_id, summary=e.command
        )
    elif isinstance(e, ev.PatchApprovalRequest):
        files = ", ".join(c.move_path or c.path for c in e.changes)
        notifier.approval_requested(
            thread_id=session_id, turn_id=e.turn_id, call_id=e.call_id, summary=f"edit {files}"
        )
