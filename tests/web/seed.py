"""Adds a long turn to a finished attempt straight into the task store (a real SQLite
file): one command whose output arrives in many deltas, as a long build log would."""

from __future__ import annotations

import json
from pathlib import Path

from burro.frontends.cloud.store import open_store


def seed_long_turn(db: Path, attempt_id: str, outputs: int) -> tuple[int, int]:
    """Appends ``outputs + 4`` events; returns the (first, last) seq written."""
    store = open_store(f"sqlite:///{db}")
    try:
        first = store.next_seq(attempt_id)
        turn, call = "t_seed", "call_seed"
        events = [
            {"type": "user_message", "turn_id": turn, "text": "print the rows"},
            {
                "type": "exec_command_begin",
                "turn_id": turn,
                "call_id": call,
                "command": "seq-rows",
                "cwd": "/",
            },
        ]
        events += [
            {
                "type": "exec_command_output_delta",
                "turn_id": turn,
                "call_id": call,
                "stream": "stdout",
                "chunk": f"row-{i}\n",
            }
            for i in range(1, outputs + 1)
        ]
        events += [
            {
                "type": "exec_command_end",
                "turn_id": turn,
                "call_id": call,
                "command": "seq-rows",
                "exit_code": 0,
                "duration_ms": 1200,
                "aggregated_output": "",
            },
            {"type": "turn_complete", "turn_id": turn, "last_agent_message": None},
        ]
        rows = [(first + i, e["type"], json.dumps(e)) for i, e in enumerate(events)]
        store.append_events(attempt_id, rows)
        return first, rows[-1][0]
    finally:
        store.close()
