"""``burro exec``: one task, headless. Progress on stderr, the final message on stdout,
or one JSON event per line with ``--json``."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

import msgspec

from burro.protocol import events as ev
from burro.protocol.items import ContentPart, ImagePart, TextPart
from burro.protocol.ops import Interrupt, UserTurn


class ExecOptions(msgspec.Struct, kw_only=True):
    prompt: str | None
    json: bool = False
    model: str | None = None
    profile: str | None = None
    overrides: list[str] = []
    cd: str | None = None
    skip_git_repo_check: bool = False
    output_last_message: str | None = None
    output_schema: str | None = None
    images: list[str] = []
    ephemeral: bool = False
    provider: str | None = None
    sandbox: str | None = None
    add_dirs: list[str] = []
    color: str = "auto"
    resume: bool = False
    resume_id: str | None = None
    resume_last: bool = False
    resume_all: bool = False
    max_turns: int | None = None
    max_tokens: int | None = None
    max_minutes: float | None = None
    completion_nudges: int | None = None


class ExecUsageError(Exception):
    """A bad exec invocation: one line for stderr, exit code 1."""


def _read_prompt(opts: ExecOptions) -> str:
    if opts.prompt is not None and opts.prompt != "-":
        from burro.frontends.exec.stdin import piped_context

        context = piped_context(sys.stdin, warn=_warn)
        if context is None:
            return opts.prompt
        return f"{opts.prompt}\n\n<stdin>\n{context.rstrip(chr(10))}\n</stdin>"
    if opts.prompt is None and sys.stdin.isatty():
        raise ExecUsageError(
            "No prompt provided. Pass one as an argument or pipe it into stdin (burro exec -)."
        )
    # Bytes, decoded here: undecodable input becomes U+FFFD whatever the locale's
    # stdin error handler is (strict under most UTF-8 locales).
    text = sys.stdin.buffer.read().decode("utf-8", errors="replace")
    if not text.strip():
        raise ExecUsageError("The prompt read from stdin is empty.")
    return text


def _warn(message: str) -> None:
    sys.stderr.write(f"warning: {message}\n")


def _image_part(path: str) -> ImagePart:
    from burro.util.images import NotAnImage, image_data_url

    try:
        return ImagePart(image_url=image_data_url(Path(path)))
    except NotAnImage as exc:
        raise ExecUsageError(f"--image {exc}") from exc


def _check_output_file(path: str) -> None:
    """`-o FILE` must be writable before the first request, not after the whole turn."""
    target = Path(path)
    parent = target.parent
    if target.is_dir():
        raise ExecUsageError(f"--output-last-message {path}: is a directory")
    if not parent.is_dir():
        raise ExecUsageError(
            f"--output-last-message {path}: directory {parent} does not exist; create it first"
        )
    if not os.access(parent, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise ExecUsageError(f"--output-last-message {path}: not writable")


def _load_schema(path: str) -> dict[str, Any]:
    try:
        schema = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ExecUsageError(f"--output-schema {path}: cannot read ({exc.strerror})") from exc
    except ValueError as exc:
        raise ExecUsageError(f"--output-schema {path}: not valid JSON ({exc})") from exc
    if not isinstance(schema, dict):
        raise ExecUsageError(f"--output-schema {path}: must be a JSON object (a JSON Schema)")
    return schema


def run_exec(opts: ExecOptions) -> int:
    """Entry point used by the CLI. Returns the process exit code."""
    from burro.config import ConfigError, load_settings
    from burro.core.api import CoreError, in_git_repo

    try:
        cwd = Path(opts.cd).resolve() if opts.cd else Path.cwd()
        if not cwd.is_dir():
            raise ExecUsageError(f"-C {opts.cd}: not a directory")
        if not opts.skip_git_repo_check and not in_git_repo(cwd):
            raise ExecUsageError(
                "Not inside a git repository; run burro in a repository or pass "
                "--skip-git-repo-check."
            )
        if opts.output_last_message:
            _check_output_file(opts.output_last_message)
        prompt = _read_prompt(opts)
        parts: list[ContentPart] = [TextPart(text=prompt)]
        parts.extend(_image_part(p) for p in opts.images)
        schema = _load_schema(opts.output_schema) if opts.output_schema else None
        settings = load_settings(
            cwd=cwd,
            overrides=opts.overrides,
            profile=opts.profile,
            model=opts.model,
            provider=opts.provider,
            approval_policy="never",  # exec never asks: what needs approval is declined
            sandbox_mode=opts.sandbox,  # type: ignore[arg-type]
            add_dirs=opts.add_dirs,
        )
        op = UserTurn(items=parts, output_schema=schema)
        resume_key = None
        if opts.resume:
            from burro.core.api import resolve_session

            path = resolve_session(
                settings.burro_home,
                None if opts.resume_last else opts.resume_id,
                cwd=None if opts.resume_all else cwd,
            )
            resume_key = str(path)
        return asyncio.run(_drive(opts, settings, op, resume_key))
    except (ExecUsageError, ConfigError, CoreError) as exc:
        sys.stderr.write(f"error: {exc}{_hint(exc)}\n")
        return 1


def _hint(exc: Exception) -> str:
    """What to do next, in this front end's words."""
    code = getattr(exc, "code", None)
    if code == "session_not_found":
        return "; see `burro sessions list --all`"
    if code == "session_locked":
        return f": `burro fork {getattr(exc, 'session_id', '')}`"
    if code == "rollout_write_failed":
        return " (`burro exec --ephemeral` saves nothing)"
    return ""


async def _drive(opts: ExecOptions, settings: Any, op: UserTurn, resume: str | None) -> int:
    from burro.core.api import SessionHandle, SessionOptions, run_task
    from burro.frontends.exec.human import HumanRenderer
    from burro.protocol.codex_exec import JsonlMapper
    from burro.protocol.events import EventEnvelope

    nudges = opts.completion_nudges
    if nudges is None:
        nudges = settings.completion_nudges or 0  # off in exec unless asked for
    options = SessionOptions(
        ephemeral=opts.ephemeral,
        max_turns=opts.max_turns,
        max_tokens=opts.max_tokens,
        max_minutes=opts.max_minutes,
        completion_nudges=nudges,
    )
    loop = asyncio.get_running_loop()
    interrupts = 0

    def wire_signals(handle: SessionHandle) -> None:
        from burro.util.startup import started

        started()

        def on_interrupt() -> None:
            nonlocal interrupts
            interrupts += 1
            if interrupts > 2:
                os._exit(130)
            if interrupts == 1:
                handle.submit(Interrupt())
            else:
                handle.stop(grace_s=3.0)

        def on_terminate() -> None:
            # SIGTERM ends the process promptly whatever the session is doing.
            handle.stop(grace_s=3.0)

        loop.add_signal_handler(signal.SIGINT, on_interrupt)
        loop.add_signal_handler(signal.SIGTERM, on_terminate)

    auto = opts.color == "auto" and sys.stderr.isatty() and not os.environ.get("NO_COLOR")
    color = opts.color == "always" or auto
    show_reasoning = not settings.hide_agent_reasoning
    human = (
        None if opts.json else HumanRenderer(sys.stderr, color=color, show_reasoning=show_reasoning)
    )
    mapper = JsonlMapper() if opts.json else None
    notifier = _notifier(settings)

    def on_event(envelope: EventEnvelope) -> None:
        event = envelope.event
        if notifier is not None:
            _notify(notifier, event, envelope.session_id)
        if mapper is not None:
            if show_reasoning or not isinstance(event, ev.ReasoningEvent):
                for line in mapper.map(event):  # compact, as Codex prints it
                    sys.stdout.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")))
                    sys.stdout.write("\n")
            sys.stdout.flush()
        elif human is not None:
            human.render(event)

    result = await run_task(
        settings,
        op,
        on_event=on_event,
        on_start=wire_signals,
        options=options,
        resume=resume,
        shutdown_grace_s=5.0,
    )
    last_message = result.last_message if result.status == "completed" else None
    # In a terminal the answer was just shown in the progress; print it once, not twice.
    if human is not None and last_message and not sys.stdout.isatty():
        sys.stdout.write(last_message.rstrip("\n") + "\n")
        sys.stdout.flush()
    if opts.output_last_message:
        if last_message is None:
            sys.stderr.write("warning: no final message to write to --output-last-message\n")
        Path(opts.output_last_message).write_text(last_message or "", encoding="utf-8")
    return 0 if result.status == "completed" else 1


def _notifier(settings: Any) -> Any:
    if not settings.notify:
        return None
    from burro.util.notify import Notifier

    return Notifier(settings.notify, cwd=settings.cwd, client="burro-exec")


def _notify(notifier: Any, event: ev.Event, session_id: str) -> None:
    if isinstance(event, ev.UserMessageEvent):
        notifier.user_message(event.text)
    elif isinstance(event, ev.TurnComplete):
        notifier.turn_complete(
            thread_id=session_id, turn_id=event.turn_id, last_message=event.last_agent_message
        )
