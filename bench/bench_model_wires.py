"""Streaming throughput of each model wire (plain script, prints figures; not a test).

    uv run python -m bench.bench_model_wires [--mb 5] [--chunk 64] [--text]

One tool call whose JSON arguments are ``--mb`` megabytes, streamed by the fake model
server in ``--chunk``-byte deltas (``--text``: an assistant message instead), read by
burro's client. Prints seconds and MB/s per wire; the server's own time is included, so
the figure is a floor for the client. Before the fix, chat and anthropic grew a string
by ``+=`` per delta (quadratic): 1 MB took ~11 s and 5 MB never finished.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from tests.fakes.model_server import FakeModelServer
from tests.fakes.script import Call, Text, Turn

from burro.config.types import ProviderInfo
from burro.models import open_client
from burro.protocol.items import user_text
from burro.protocol.model import Prompt
from burro.protocol.tools import ToolSpec

WIRES = ("responses", "chat", "anthropic")


async def _drain(info: ProviderInfo) -> int:
    prompt = Prompt(
        model="bench",
        instructions="bench",
        items=[user_text("go")],
        tools=[ToolSpec(name="shell", description="run", parameters={"type": "object"})],
    )
    client = open_client(info, api_key="k", session_id="bench")
    n = 0
    try:
        async for _ in client.stream(prompt):
            n += 1
    finally:
        await client.aclose()
    return n


def run(wire: str, *, mb: float, chunk: int, text: bool) -> float:
    size = int(mb * 1024 * 1024)
    chunks = max(1, size // chunk)
    step = (
        Text("y" * size, chunks=chunks)
        if text
        else Call("shell", {"command": ["echo", "x" * size]}, chunks=chunks)
    )
    with FakeModelServer([Turn([step])]) as srv:
        info = ProviderInfo(name="bench", base_url=srv.base_url, wire_api=wire)  # type: ignore[arg-type]
        t0 = time.perf_counter()
        asyncio.run(_drain(info))
        return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=5.0)
    ap.add_argument("--chunk", type=int, default=64, help="bytes per delta")
    ap.add_argument("--text", action="store_true", help="stream text instead of tool arguments")
    args = ap.parse_args()
    what = "text" if args.text else "tool-call arguments"
    print(f"{args.mb:g} MB of {what} in {args.chunk}-byte deltas")
    for wire in WIRES:
        secs = run(wire, mb=args.mb, chunk=args.chunk, text=args.text)
        print(f"  {wire:10s} {secs:6.2f} s  {args.mb / secs:6.2f} MB/s")


if __name__ == "__main__":
    main()
