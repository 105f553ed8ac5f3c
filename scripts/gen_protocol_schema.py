"""Regenerate schema/protocol.schema.json from the protocol types."""

from pathlib import Path

from burro.protocol.schema import render_schema

out = Path(__file__).resolve().parents[1] / "schema" / "protocol.schema.json"
out.write_text(render_schema(), encoding="utf-8")
print(f"wrote {out}")
