"""The `notify = ["program", "arg", ...]` hook: when a turn ends or an approval is needed,
run the program with one more argument, a JSON object (kebab-case keys, as Codex sends),
and do not wait for it."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from pathlib import Path


class Notifier:
    """Front ends report what happens; the notifier builds the payloads and spawns."""

    def __init__(self, argv: Sequence[str], *, cwd: Path, client: str) -> None:
        self.argv = list(argv)
        self.cwd = cwd
        self.client = client
        self._inputs: list[str] = []
        self.failed: str | None = None  # why the program could not be started, once

    def user_message(self, text: str) -> None:
        self._inputs.append(text)

    def turn_complete(self, *, thread_id: str, turn_id: str, last_message: str | None) -> None:
        inputs, self._inputs = self._inputs, []
        self._spawn(
            {
                "type": "agent-turn-complete",
                "thread-id": thread_id,
                "turn-id": turn_id,
                "cwd": str(self.cwd),
                "client": self.client,
                "input-messages": inputs,
                "last-assistant-message": last_message,
            }
        )

    def approval_requested(
        self, *, thread_id: str, turn_id: str, call_id: str, summary: str
    ) -> None:
        self._spawn(
            {
                "type": "approval-requested",
                "thread-id": thread_id,
                "turn-id": turn_id,
                "call-id": call_id,
                "cwd": str(self.cwd),
                "client": self.client,
                "summary": summary,
            }
        )

    def _spawn(self, payload: dict[str, object]) -> None:
        if not self.argv:
            return
        try:
            subprocess.Popen(
                [*self.argv, json.dumps(payload, ensure_ascii=False)],
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # a ctrl+c in burro's terminal does not reach it
            )
        except OSError as exc:
            self.failed = f"notify program {self.argv[0]!r} could not start: {exc.strerror}"
