"""The protocol's JSON Schema, generated from the types (checked in as schema/protocol.schema.json)."""

from __future__ import annotations

from typing import Any

import msgspec

from burro.protocol.events import Event
from burro.protocol.items import Item
from burro.protocol.model import Prompt, StreamEvent
from burro.protocol.ops import Op


def protocol_schema() -> dict[str, Any]:
    (op, event, item, prompt, stream), components = msgspec.json.schema_components(
        [Op, Event, Item, Prompt, StreamEvent], ref_template="#/$defs/{name}"
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "burro protocol",
        "type": "object",
        "properties": {
            "op": op,
            "event": event,
            "item": item,
            "prompt": prompt,
            "stream_event": stream,
        },
        "$defs": dict(sorted(components.items())),
    }


def render_schema() -> str:
    import json

    return json.dumps(protocol_schema(), indent=2, sort_keys=False) + "\n"
