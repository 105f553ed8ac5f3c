"""`burro cloud attach ID`: a line-mode terminal on a remote task. Events stream in as
they happen; a typed line is a follow-up; `y`/`n` (or `/approve CALL`, `/deny CALL`)
answer a pending approval; Ctrl-C (or `/interrupt`) stops the running turn, a second
Ctrl-C within two seconds (or Ctrl-D, `/quit`) detaches. The task keeps running."""

from __future__ import annotations

import signal
import sys
import threading
import time
from typing import Any, TextIO

from burro.frontends.cloud.client import Api, CloudError, render_human

HELP = (
    "attached: type a follow-up and press Enter; y/n answer an approval; "
    "Ctrl-C interrupts the turn, twice detaches; /quit detaches"
)


class Attached:
    def __init__(self, api: Api, task_id: str, *, out: TextIO) -> None:
        self.api, self.task_id, self.out = api, task_id, out
        self.pending: dict[str, str] = {}  # approval call_id -> command
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._last_sigint = 0.0

    def say(self, text: str) -> None:
        with self._lock:
            self.out.write(text + "\n")
            self.out.flush()

    # ------------------------------------------------------------ events
    def stream(self) -> None:
        """Every event from the start, then live; survives the server restarting and
        the task ending (a follow-up starts it again)."""
        last = ""
        while not self.stop.is_set():
            try:
                for sse_id, kind, data in self.api.events(self.task_id, follow=True, after=last):
                    if self.stop.is_set():
                        return
                    if kind == "end":
                        self.say(f"[task {data.get('status')}]")
                        break
                    last = sse_id or last
                    self._event(kind, data)
            except CloudError as exc:
                self.say(f"error: {exc}")
            self.stop.wait(1.0)

    def _event(self, kind: str, data: dict[str, Any]) -> None:
        ev = data.get("event", {})
        if kind in ("exec_approval_request", "patch_approval_request"):
            self.pending[ev["call_id"]] = ev.get("command") or ev.get("reason", "")
        elif kind in ("exec_command_begin", "exec_command_end", "patch_apply_begin"):
            self.pending.pop(ev.get("call_id", ""), None)
        with self._lock:
            render_human(kind, data, self.out)
        if kind in ("exec_approval_request", "patch_approval_request"):
            self.say("  approve? y/n")

    # ------------------------------------------------------------ input
    def handle_line(self, line: str) -> None:
        text = line.strip()
        if not text:
            return
        if text in ("/quit", "/exit", "/detach"):
            self.stop.set()
        elif text == "/interrupt":
            self.interrupt()
        elif text in ("y", "n") and (call_id := self._first_pending()):
            self._answer(call_id, "approved" if text == "y" else "denied")
        elif text.startswith(("/approve ", "/deny ")):
            verb, _, call_id = text.partition(" ")
            self._answer(call_id.strip(), "approved" if verb == "/approve" else "denied")
        elif text.startswith("/"):
            self.say(HELP)
        else:
            self.api.call("POST", f"/api/tasks/{self.task_id}/follow-ups", json={"text": text})
            self.say("[follow-up sent]")

    def _first_pending(self) -> str | None:
        """The approval waiting now (asked of the server: the event may still be on
        its way here)."""
        view = self.api.call("GET", f"/api/tasks/{self.task_id}").json()
        for attempt in view["attempts"]:
            for pending in attempt.get("pending_approvals", []):
                return str(pending["call_id"])
        return next(iter(self.pending), None)

    def _answer(self, call_id: str, decision: str) -> None:
        self.api.call(
            "POST", f"/api/tasks/{self.task_id}/approvals/{call_id}", json={"decision": decision}
        )
        self.pending.pop(call_id, None)
        self.say(f"[{decision}]")

    def interrupt(self) -> None:
        self.api.call("POST", f"/api/tasks/{self.task_id}/interrupt")
        self.say("[interrupting]")

    def on_sigint(self, *_: object) -> None:
        now = time.monotonic()
        if now - self._last_sigint < 2.0:
            self.stop.set()
            return
        self._last_sigint = now
        try:
            self.interrupt()
        except CloudError as exc:
            self.say(f"error: {exc}")


def attach(api: Api, task_id: str) -> int:
    api.call("GET", f"/api/tasks/{task_id}")  # a clear error for an unknown id
    session = Attached(api, task_id, out=sys.stdout)
    session.say(HELP)
    signal.signal(signal.SIGINT, session.on_sigint)
    failed = threading.Event()

    def detach_when_done(work: Any) -> Any:
        """A thread's boundary: when it ends, for any reason, attach detaches (a dead
        reader or input thread must not leave it hanging)."""

        def run() -> None:
            try:
                work()
            except Exception as exc:
                session.say(f"error: {type(exc).__name__}: {exc}")
                failed.set()
            finally:
                session.stop.set()

        return run

    def read_input() -> None:
        for line in sys.stdin:  # until Ctrl-D
            try:
                session.handle_line(line)
            except CloudError as exc:
                session.say(f"error: {exc}")
            if session.stop.is_set():
                return

    threading.Thread(target=detach_when_done(session.stream), daemon=True).start()
    threading.Thread(target=detach_when_done(read_input), daemon=True).start()
    while not session.stop.wait(0.2):
        pass
    session.say("[detached; the task keeps running]")
    return 1 if failed.is_set() else 0
