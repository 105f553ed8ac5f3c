"""Regenerate schema/cloud-openapi.json from the task server's API."""

from pathlib import Path

from burro.frontends.cloud.api import render_openapi

out = Path(__file__).resolve().parents[1] / "schema" / "cloud-openapi.json"
out.write_text(render_openapi(), encoding="utf-8")
print(f"wrote {out}")
