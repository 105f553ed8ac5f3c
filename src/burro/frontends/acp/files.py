"""Files as the editor holds them: burro's file reads and writes through ACP's
``fs/read_text_file`` and ``fs/write_text_file``, when the client offers them."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from acp import Client

# How long burro waits for the editor to answer one file request.
EDITOR_TIMEOUT_S = 30.0


class EditorFiles:
    """A ``FileAccess`` for one ACP session. Reads fall back to the disk (None) when the
    editor cannot say; a refused write is an error (nothing is written behind the
    editor's back). ``written`` keeps the last text written per path, for the diffs
    shown once an edit is done (the disk may not have it until the user saves)."""

    def __init__(self, conn: Client, *, reads: bool, writes: bool) -> None:
        self._conn = conn
        self._reads = reads
        self._writes = writes
        self.session_id = ""  # set once the session has started (no tool runs before)
        self.written: dict[str, str] = {}

    async def read_text(self, path: Path) -> str | None:
        if not self._reads or not self.session_id:
            return None
        try:
            resp = await asyncio.wait_for(
                self._conn.read_text_file(session_id=self.session_id, path=str(path)),
                EDITOR_TIMEOUT_S,
            )
        except Exception:  # the editor refused or failed: the disk copy will do
            return None
        return resp.content

    async def write_text(self, path: Path, text: str) -> bool:
        if not self._writes or not self.session_id:
            return False
        try:
            await asyncio.wait_for(
                self._conn.write_text_file(
                    session_id=self.session_id, path=str(path), content=text
                ),
                EDITOR_TIMEOUT_S,
            )
        except TimeoutError:
            raise OSError(f"the editor did not answer within {EDITOR_TIMEOUT_S:g} s") from None
        except Exception as exc:
            raise OSError(f"the editor refused the write ({_reason(exc)})") from None
        self.written[str(path)] = text
        return True


def _reason(exc: BaseException) -> str:
    data = getattr(exc, "data", None)
    message = data.get("message") if isinstance(data, dict) else None
    if isinstance(message, str):
        return message
    return str(exc) or type(exc).__name__
