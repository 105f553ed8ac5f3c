"""Where the terminal UI meets the cloud client. Front ends may not import each other,
so the CLI joins them: `/cloud` in the UI calls the cloud client's handoff, and
`burro cloud attach` opens the UI on a task's RemoteSession (both sides speak
burro.protocol.session)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from burro.protocol.session import SessionPort

ATTACH_UI = "burro.attach_ui"  # the click ctx.meta key `burro cloud attach` looks for


def cloud_handoff(*, session: str | None, cwd: str, prompt: str) -> str:
    """`/cloud`: satisfies burro.protocol.session.Handoff."""
    from burro.config import burro_home
    from burro.frontends.cloud.client import CloudError
    from burro.frontends.cloud.handoff import hand_over_checkout
    from burro.protocol.session import HandoffError

    try:
        return hand_over_checkout(
            burro_home(os.environ), os.environ, session=session, cwd=Path(cwd), prompt=prompt
        )
    except CloudError as exc:
        raise HandoffError(str(exc)) from exc


def open_attached(session: SessionPort, *, intro: str) -> int:
    """`burro cloud attach`: the full-screen UI on a task running on a server."""
    from burro.frontends.tui.launch import run_attached

    return run_attached(session, intro=intro)
