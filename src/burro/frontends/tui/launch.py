"""Starting the UI from the command line: settings and images are checked before the
screen is taken over, so a mistake is one line on stderr."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from burro.frontends.tui.options import TuiOptions

if TYPE_CHECKING:
    from burro.config import Settings
    from burro.protocol.session import Handoff, SessionPort


def load_tui_settings(opts: TuiOptions, *, cwd: Path, env: Mapping[str, str]) -> Settings:
    from typing import cast

    from burro.config import load_settings
    from burro.core.api import in_git_repo

    return load_settings(
        cwd=cwd,
        env=env,
        overrides=opts.overrides,
        profile=opts.profile,
        model=opts.model,
        provider=opts.provider,
        sandbox_mode=cast(Any, opts.sandbox),
        approval_policy=cast(Any, opts.approval_policy),
        # In a repository the UI may edit the workspace (the user watches and can
        # /undo); elsewhere, and in exec, commands are read-only unless configured.
        default_sandbox_mode="workspace-write" if in_git_repo(cwd) else "read-only",
    )


def run_tui(opts: TuiOptions, *, handoff: Handoff | None = None) -> int:
    """Entry point used by the CLI. Returns the process exit code. A bad configuration
    is one line on stderr before the screen is taken over (missing credentials, which
    the setup screen explains, are not a configuration error)."""
    from burro.config import ConfigError
    from burro.frontends.tui.app import BurroApp
    from burro.util.images import NotAnImage, image_data_url

    cwd = (Path.cwd() / opts.cd).resolve() if opts.cd else Path.cwd().resolve()
    if not cwd.is_dir():
        sys.stderr.write(f"error: -C {opts.cd}: not a directory\n")
        return 1
    try:
        settings = load_tui_settings(opts, cwd=cwd, env=os.environ)
        for name in opts.images:  # refused before the screen opens, not by the API later
            image_data_url(cwd / name)
    except (ConfigError, NotAnImage) as exc:
        sys.stderr.write(f"error: {'--image ' if isinstance(exc, NotAnImage) else ''}{exc}\n")
        return 1
    app = BurroApp(opts, settings=settings, handoff=handoff)
    from burro.util.startup import started

    started()
    code = app.run()
    if app.session_id and app.rollout is not None and app.rollout.exists():
        print(f"To continue this session: burro resume {app.session_id}")
    return code if isinstance(code, int) else 0


def run_attached(session: SessionPort, *, intro: str) -> int:
    """The UI on a session that runs elsewhere (a task on a server): its history, then
    its live events; typing and approvals go to it. Quitting leaves it running."""
    from burro.config import ConfigError
    from burro.frontends.tui.app import BurroApp

    opts = TuiOptions()
    try:
        settings = load_tui_settings(opts, cwd=Path.cwd().resolve(), env=os.environ)
    except ConfigError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    code = BurroApp(opts, settings=settings, session=session, intro=intro).run()
    return code if isinstance(code, int) else 0
