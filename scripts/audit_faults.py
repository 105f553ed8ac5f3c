"""Model-fault audit: every fault cell (a misbehaving model server) on every wire, run
through the real ``burro exec --json`` against the fake model server on loopback.

A cell is *handled clearly* when burro, within the bound, either retried and completed
(exit 0, ``turn.completed`` and a final answer) or failed clearly (exit 1, a
``turn.failed`` event with a one-line message); never a hang, a traceback, or an exit 0
without an answer.

Usage: uv run python scripts/audit_faults.py [--wire W] [--only SUBSTRING] [--jobs N]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import BURRO, MODELS, WIRES, burro_env  # noqa: E402
from tests.fakes.model_server import FakeModelServer  # noqa: E402
from tests.fakes.script import (  # noqa: E402
    Call,
    Hang,
    HttpError,
    MalformedLine,
    ResetAfter,
    Text,
    Turn,
)
from tests.fakes.workspace import fake_provider_overrides, make_repo  # noqa: E402

BOUND_S = 60.0  # a cell that takes longer is a hang
# Short idle timeout and few retries so that failing cells end quickly.
PROVIDER_EXTRA = ",stream_idle_timeout_ms=3000,stream_max_retries=3"
OK = Turn([Text("all good")])


# ------------------------------------------------------------ raw behaviours
# Faults the scripted fake server cannot express: served by a tiny server of our own.


@dataclass(frozen=True)
class KeepAliveOnly:
    """A 200 stream that sends only keep-alive events (no progress) for ``seconds``."""

    seconds: float = 40.0


@dataclass(frozen=True)
class CutMidEvent:
    """The reply's stream, cut in the middle of one event's bytes, then closed."""

    turn: Turn


Raw = KeepAliveOnly | CutMidEvent | Turn

_KEEPALIVE = {
    "/v1/responses": b'event: response.in_progress\ndata: {"type": "response.in_progress"}\n\n',
    "/v1/messages": b'event: ping\ndata: {"type": "ping"}\n\n',
    "/v1/chat/completions": b": keep-alive\n\n",
}


class RawServer:
    """Plays ``behaviours`` in order, one per POST; the last one repeats."""

    def __init__(self, behaviours: list[Raw]) -> None:
        self.behaviours = list(behaviours)
        self.requests = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with server._lock:
                    n = min(server.requests, len(server.behaviours) - 1)
                    server.requests += 1
                server.play(self, server.behaviours[n], body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def play(self, h: BaseHTTPRequestHandler, what: Raw, body: bytes) -> None:
        route = h.path.split("?", 1)[0].rstrip("/")
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream")
        h.send_header("Connection", "close")
        h.end_headers()
        try:
            if isinstance(what, KeepAliveOnly):
                end = time.monotonic() + what.seconds
                while time.monotonic() < end:
                    h.wfile.write(_KEEPALIVE[route])
                    h.wfile.flush()
                    time.sleep(0.5)
                return
            events = [
                e.encode()
                for e in _reply(route, what if isinstance(what, Turn) else what.turn, body)
            ]
            if isinstance(what, CutMidEvent):
                half = len(events) // 2
                stream = b"".join(events[:half]) + events[half][: len(events[half]) // 2]
                h.wfile.write(stream)
                h.wfile.flush()
                return
            h.wfile.write(b"".join(events))
        except OSError:
            return
        finally:
            h.close_connection = True


def _reply(route: str, turn: Turn, body: bytes) -> list[Any]:
    from tests.fakes.wire_anthropic import anthropic_reply
    from tests.fakes.wire_openai import chat_reply, responses_reply

    request = json.loads(body)
    if route == "/v1/responses":
        return responses_reply(turn, request, body).events
    if route == "/v1/chat/completions":
        return chat_reply(turn, request, body, usage_always=True).events
    return anthropic_reply(turn, request, body).events


# ------------------------------------------------------------ cells

Script = list[Turn] | list[Raw]
CELLS: dict[str, Callable[[str], Script]] = {
    "429 with Retry-After": lambda w: [Turn(fault=HttpError(429, retry_after=0.2)), OK],
    "429 without Retry-After": lambda w: [Turn(fault=HttpError(429)), OK],
    "500": lambda w: [Turn(fault=HttpError(500)), OK],
    "502": lambda w: [Turn(fault=HttpError(502)), OK],
    "503": lambda w: [Turn(fault=HttpError(503)), OK],
    "529 overloaded": lambda w: [Turn(fault=HttpError(529)), OK],
    "500 on every retry": lambda w: [Turn(fault=HttpError(500)) for _ in range(8)],
    "400 bad request": lambda w: [Turn(fault=HttpError(400, message="invalid request"))],
    "401 bad key": lambda w: [Turn(fault=HttpError(401, message="invalid api key"))],
    "400 context overflow": lambda w: [
        Turn(
            fault=HttpError(
                400,
                message="This model's maximum context length is 8192 tokens; your "
                "messages resulted in 9000 tokens (context_length_exceeded)",
                code="context_length_exceeded",
            )
        ),
        Turn([Text("summary of the work so far")]),
        OK,
    ],
    "reset before any event": lambda w: [Turn([Text("x")], fault=ResetAfter(0)), OK],
    "reset mid-stream": lambda w: [
        Turn([Text("partial answer", chunks=6)], fault=ResetAfter(4)),
        OK,
    ],
    "malformed SSE line": lambda w: [Turn([Text("hello there")], fault=MalformedLine(2)), OK],
    "silence then close": lambda w: [Turn([Text("x")], fault=Hang(2, 1.0)), OK],
    "silence past idle timeout": lambda w: [Turn([Text("x")], fault=Hang(2, 30.0)), OK],
    "invalid tool JSON": lambda w: [Turn([Call("shell", '{"command": ["ls"')]), OK],
    "unknown tool": lambda w: [Turn([Call("no_such_tool", {"x": 1})]), OK],
    "empty reply": lambda w: [Turn([]), Turn([]), Turn([]), OK],
    "slow stream": lambda w: [
        Turn([Text("a slow but steady answer", chunks=12)], event_gap_s=0.25)
    ],
    "1 MB tool arguments": lambda w: [
        Turn([Call("shell", {"command": "true #" + "x" * 1_000_000}, chunks=4000)]),
        OK,
    ],
    "keep-alive only": lambda w: [
        KeepAliveOnly(),
        KeepAliveOnly(),
        KeepAliveOnly(),
        KeepAliveOnly(),
        OK,
    ],
    "body cut mid-event": lambda w: [CutMidEvent(Turn([Text("cut here", chunks=8)])), OK],
}


# What a clear handling is for each cell: "complete" (the fault is transient or the
# model can recover), "fail" (retrying cannot help), or "either".
MUST_FAIL = {"500 on every retry", "400 bad request", "401 bad key"}
EITHER = {"empty reply", "keep-alive only"}


def expectation(cell: str) -> str:
    return "fail" if cell in MUST_FAIL else "either" if cell in EITHER else "complete"


@dataclass
class Outcome:
    cell: str
    wire: str
    handled: bool
    how: str
    seconds: float


def run_cell(cell: str, wire: str) -> Outcome:
    # Spare answers: a cell may legitimately use more requests (a compaction, a retry).
    script = [*CELLS[cell](wire), OK, OK]
    tmp = Path(tempfile.mkdtemp(prefix="burro-audit-"))
    repo = make_repo(tmp / "repo")
    home = tmp / "home"
    home.mkdir()
    raw = any(isinstance(t, KeepAliveOnly | CutMidEvent) for t in script)
    server: Any = (
        RawServer(script) if raw else FakeModelServer([t for t in script if isinstance(t, Turn)])
    )
    if not raw:
        server.start()
    try:
        provider, table = fake_provider_overrides(server.base_url, wire, extra=PROVIDER_EXTRA)
        argv = [str(BURRO), "exec", "--json", "-c", provider, "-c", table, "-m", MODELS[wire]]
        started = time.monotonic()
        try:
            proc = subprocess.run(
                [*argv, "say something"],
                cwd=repo,
                env=burro_env(home),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=BOUND_S,
            )
        except subprocess.TimeoutExpired:
            return Outcome(cell, wire, False, f"hang (> {BOUND_S:.0f} s)", BOUND_S)
        took = time.monotonic() - started
    finally:
        server.stop() if not raw else server.close()
    handled, how = judge(proc.returncode, proc.stdout, proc.stderr)
    want = expectation(cell)
    if (
        handled
        and want != "either"
        and not how.startswith("completed" if want == "complete" else "failed")
    ):
        handled, how = False, f"expected to {want}, but {how}"
    return Outcome(cell, wire, handled, how, took)


def judge(code: int, stdout: str, stderr: str) -> tuple[bool, str]:
    if "Traceback" in stderr:
        return False, "traceback: " + stderr.strip().splitlines()[-1][:160]
    try:
        events = [json.loads(ln) for ln in stdout.splitlines() if ln.strip()]
    except ValueError:
        return False, "stdout is not JSON lines"
    types = [e.get("type") for e in events]
    answers = [
        str(e["item"].get("text", ""))
        for e in events
        if e.get("type") == "item.completed" and e.get("item", {}).get("type") == "agent_message"
    ]
    if code == 0 and "turn.completed" in types and answers:
        retries = sum(1 for e in events if e.get("item", {}).get("type") == "error")
        return True, f"completed ({retries} retries): {answers[-1][:40]!r}"
    failed = [e for e in events if e.get("type") == "turn.failed"]
    if code == 1 and failed:
        message = str(failed[-1].get("error", {}).get("message", ""))
        if message and "\n" not in message:
            return True, f"failed clearly: {message[:120]}"
        return False, "turn.failed without a one-line message"
    if code == 0:
        return False, "exit 0 without an answer"
    return False, f"exit {code}, events {types[-3:]}, stderr {stderr.strip()[-160:]!r}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wire", choices=WIRES, action="append")
    parser.add_argument("--only", default="")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    wires = args.wire or list(WIRES)
    cells = [(c, w) for c in CELLS if args.only.lower() in c.lower() for w in wires]
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        outcomes = list(pool.map(lambda cw: run_cell(*cw), cells))
    for o in outcomes:
        mark = "ok  " if o.handled else "FAIL"
        print(f"{mark} {o.wire:<10} {o.cell:<26} {o.seconds:5.1f} s  {o.how}")
    handled = sum(o.handled for o in outcomes)
    print(f"fault cells {len(outcomes)}, handled clearly {handled}")
    return 0 if handled == len(outcomes) else 1


if __name__ == "__main__":
    raise SystemExit(main())
