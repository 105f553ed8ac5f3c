"""The checked-in protocol schema must match the types: a drift fails here."""

from pathlib import Path

import msgspec

from burro.protocol import events, ops
from burro.protocol.schema import render_schema

SCHEMA = Path(__file__).resolve().parents[3] / "schema" / "protocol.schema.json"


def test_checked_in_schema_matches_types() -> None:
    assert SCHEMA.read_text(encoding="utf-8") == render_schema(), (
        "protocol types changed: run `uv run python scripts/gen_protocol_schema.py` and commit"
    )


def test_events_and_ops_round_trip_by_type_tag() -> None:
    raw = b'{"type":"exec_command_end","turn_id":"t","call_id":"c","command":"ls","exit_code":0,"duration_ms":3,"aggregated_output":"a\\n"}'
    event = msgspec.json.decode(raw, type=events.Event)
    assert isinstance(event, events.ExecCommandEnd)
    assert msgspec.json.decode(msgspec.json.encode(event), type=events.Event) == event
    op = msgspec.json.decode(b'{"type":"interrupt"}', type=ops.Op)
    assert isinstance(op, ops.Interrupt)
