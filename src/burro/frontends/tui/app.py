"""The burro terminal UI: submits Ops to a session and renders its Events."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType

from burro.frontends.tui import render
from burro.frontends.tui.options import TuiOptions
from burro.frontends.tui.widgets.chat import ChatView
from burro.frontends.tui.widgets.composer import Completions, Composer, Draft
from burro.frontends.tui.widgets.status import ActivityLine, StatusLine
from burro.protocol import events as ev
from burro.protocol.items import ContentPart, ImagePart, TextPart
from burro.protocol.ops import Interrupt, Op, Shutdown, UserTurn

if TYPE_CHECKING:
    from burro.config import Settings
    from burro.protocol.session import Handoff, SessionPort
    from burro.util.notify import Notifier

PLACEHOLDER = "Ask burro to do anything  (/ for commands, @ for files)"


class BurroApp(App[int]):
    """``env``, ``cwd`` and ``clock`` are seams for tests; ``settings`` skips loading.
    ``session``: a session already running elsewhere (a task on a server) to show and
    drive instead of starting one; ``intro`` is its first line. ``handoff``: what `/cloud`
    calls (composed by the CLI; the UI imports no other front end)."""

    TITLE = "burro"
    CSS = """
    Screen { layers: base; }
    #bottom { height: auto; dock: bottom; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+c", "ctrl_c", "Interrupt / quit", priority=True, show=False),
        Binding("escape", "interrupt", "Interrupt", show=False),
        # The transcript scrolls from the composer (priority: the composer would take them).
        Binding("pageup", "scroll_transcript(-1)", "Scroll up", priority=True, show=False),
        Binding("pagedown", "scroll_transcript(1)", "Scroll down", priority=True, show=False),
        Binding("end", "follow_transcript", "Follow output", priority=True, show=False),
    ]
    ENABLE_COMMAND_PALETTE = False

    def __init__(
        self,
        opts: TuiOptions | None = None,
        *,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        clock: Callable[[], float] = time.monotonic,
        settings: Settings | None = None,
        session: SessionPort | None = None,
        intro: str | None = None,
        handoff: Handoff | None = None,
    ) -> None:
        super().__init__()
        self.given_session, self.intro, self.handoff = session, intro, handoff
        self.opts = opts or TuiOptions()
        self.env: dict[str, str] = dict(os.environ if env is None else env)
        base = cwd or Path.cwd()
        self.cwd = (base / self.opts.cd).resolve() if self.opts.cd else base.resolve()
        self.clock = clock
        self.settings: Settings | None = settings
        self.handle: SessionPort | None = None
        self.session_id: str | None = None
        self.running = False
        self.ready = False  # a session is up and accepting input
        self._quit_armed = False
        self._booting = True
        self._queued: list[Draft] = []  # sent before the session was up
        self._pump: asyncio.Task[None] | None = None
        self.home: Path | None = None
        self.rollout: Path | None = None  # the session file (created by the first turn)
        self.notifier: Notifier | None = None  # config `notify = [...]`
        self.turn_context: ev.TurnContext | None = None  # the settings in effect
        self.user_shell: asyncio.subprocess.Process | None = None  # a running `!cmd`
        self.pending_context: list[str] = []  # `!cmd` output for the next message

    # -- layout ------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        from textual.containers import Vertical

        yield ChatView()
        with Vertical(id="bottom"):
            yield ActivityLine(clock=self.clock)
            yield Completions(id="completions")
            composer = Composer(cwd=self.cwd, cursor_blink=not self.is_headless)
            composer.placeholder = PLACEHOLDER
            yield composer
            yield StatusLine()

    @property
    def chat(self) -> ChatView:
        return self.query_one(ChatView)

    @property
    def composer(self) -> Composer:
        return self.query_one(Composer)

    @property
    def status(self) -> StatusLine:
        return self.query_one(StatusLine)

    @property
    def activity(self) -> ActivityLine:
        return self.query_one(ActivityLine)

    def on_mount(self) -> None:
        self.composer.attach_popup(self.query_one(Completions))
        self.composer.focus()
        self.status.set(cwd=self._display_path(self.cwd))
        self.call_after_refresh(self._boot)

    def _display_path(self, path: Path) -> str:
        home = self.env.get("HOME")
        text = str(path)
        if home and (text == home or text.startswith(home.rstrip("/") + "/")):
            return "~" + text[len(home.rstrip("/")) :]
        return text

    # -- session lifecycle -------------------------------------------------------------
    @work(exclusive=True, group="boot")
    async def _boot(self) -> None:
        from burro.config import ConfigError

        self._load_branch()
        try:
            self.settings = self.settings or self._load_settings()
        except ConfigError as exc:
            self._booting = False
            self.show_setup(str(exc))
            return
        self.home = self.settings.burro_home
        from burro.frontends.tui.history import load_history

        self.composer.prompt_history = load_history(self.home)
        key: str | None = None
        if self.given_session is not None:
            if self.intro:
                self.chat.notice(self.intro)
            self.adopt(self.given_session)
        else:
            if self.opts.resume:
                key = await self._resume_key()
            if await self.start(resume=key):
                await self._first_prompt()
        self._booting = False
        for draft in self._queued:
            self.send_draft(draft)
        self._queued.clear()

    def _load_settings(self) -> Settings:
        from burro.frontends.tui.launch import load_tui_settings

        return load_tui_settings(self.opts, cwd=self.cwd, env=self.env)

    async def _resume_key(self) -> str | None:
        from burro.core.api import CoreError, resolve_session

        assert self.settings is not None
        if self.opts.resume_id or self.opts.resume_last:
            try:
                return str(
                    resolve_session(
                        self.settings.burro_home,
                        self.opts.resume_id,
                        cwd=None if self.opts.resume_all else self.cwd,
                    )
                )
            except CoreError as exc:
                self.chat.notice(f"■ {exc}; starting a new session", style="red")
                return None
        from burro.frontends.tui.commands import pick_session

        return await pick_session(self, all_dirs=self.opts.resume_all)

    async def _first_prompt(self) -> None:
        from burro.util.images import NotAnImage, image_data_url

        images: list[str] = []
        for name in self.opts.images:
            try:
                images.append(image_data_url(self.cwd / name))
            except NotAnImage as exc:
                self.chat.notice(f"■ --image {exc}", style="red")
        if self.opts.prompt or images:
            self.send_draft(Draft(self.opts.prompt or "", images))

    async def start(self, *, resume: str | None = None) -> bool:
        """Start (or resume) a session and begin rendering its events."""
        from burro.config import ConfigError
        from burro.core.api import CoreError, SessionOptions, session_transcript, start_session

        assert self.settings is not None
        nudges = self.settings.completion_nudges
        options = SessionOptions(
            undo_snapshots=True,  # /undo restores the files of the last turn
            defer_rollout=True,  # opening and quitting the UI leaves no empty session
            completion_nudges=1 if nudges is None else nudges,
        )
        try:
            handle = await start_session(
                self.settings, env=self.env, resume=resume, options=options
            )
        except (CoreError, ConfigError) as exc:
            if resume is not None:
                hint = ""
                if getattr(exc, "code", None) == "session_locked":
                    hint = f": `burro fork {getattr(exc, 'session_id', '')}`"
                self.chat.notice(f"■ cannot resume: {exc}{hint}", style="red")
                return False
            self.show_setup(str(exc))
            return False
        self.chat.show_reasoning = not self.settings.hide_agent_reasoning  # also on replay
        if resume is not None:
            try:
                self.chat.replay(session_transcript(self.settings.burro_home, resume))
            except CoreError as exc:
                self.chat.notice(f"■ cannot show the saved history: {exc}", style="red")
        self.adopt(handle)
        if resume is None:
            from burro import __version__

            s = self.settings
            self.chat.add(
                render.welcome(
                    version=__version__,
                    model=f"{s.model} ({s.provider_id})",
                    cwd=self._display_path(self.cwd),
                    sandbox=s.sandbox_mode,
                    approval=s.approval_policy,
                )
            )
        if self.settings.notify:
            from burro.util.notify import Notifier

            self.notifier = Notifier(self.settings.notify, cwd=self.cwd, client="burro-tui")
        return True

    def adopt(self, handle: SessionPort) -> None:
        """Show and drive ``handle`` (its events set the status line as they come)."""
        assert self.settings is not None
        self.chat.show_reasoning = not self.settings.hide_agent_reasoning
        self.handle = handle
        self.session_id = handle.session_id
        self.rollout = Path(handle.rollout_path) if handle.rollout_path else None
        self.status.set(
            model=self.settings.model,
            effort=self.settings.effort,
            sandbox=self.settings.sandbox_mode,
            approval=self.settings.approval_policy,
            window=self.settings.context_window,
            last=None,
            total=None,
        )
        self._pump = asyncio.create_task(self._read_events(handle), name="burro-tui-events")
        self.ready = True

    async def stop_session(self) -> None:
        handle, self.handle = self.handle, None
        self.ready = False
        if handle is None:
            return
        handle.submit(Shutdown())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(handle.wait_closed(), timeout=5)
        if self._pump is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._pump), timeout=1)
            except TimeoutError:
                self._pump.cancel()
        self._turn_ended()

    async def _read_events(self, handle: SessionPort) -> None:
        async for event in handle.events():
            if handle is not self.handle and not isinstance(event, ev.ShutdownComplete):
                continue
            try:
                self.on_core_event(event)
            except Exception as exc:  # a rendering bug must not kill the session
                self.log.error(f"rendering {type(event).__name__} failed: {exc!r}")

    def show_setup(self, error: str) -> None:
        from burro.config import burro_home
        from burro.config.catalog import builtin_providers
        from burro.frontends.tui.screens.setup import SetupScreen, setup_text

        providers = [
            (pid, str(t.get("name", pid)), str(t["env_key"]))
            for pid, t in builtin_providers().items()
            if t.get("env_key") and t.get("requires_api_key", True)
        ]
        path = burro_home(self.env) / "config.toml"
        self.push_screen(SetupScreen(setup_text(error, config_path=path, providers=providers)))

    def _load_branch(self) -> None:
        from burro.core.api import branch_name

        async def load() -> None:
            self.status.set(branch=await asyncio.to_thread(branch_name, self.cwd))

        self.run_worker(load(), group="branch")

    # -- events ------------------------------------------------------------------------
    def on_core_event(self, e: ev.Event) -> None:
        from burro.frontends.tui.screens.approval import settle

        settle(self, e)
        if self.notifier is not None and self.session_id:
            from burro.frontends.tui.hooks import notify_event

            notify_event(self.notifier, e, self.session_id)
        if isinstance(e, ev.TurnContext):
            self.turn_context = e
            self.status.set(
                model=e.model,
                effort=e.reasoning_effort,
                sandbox=e.sandbox_mode,
                approval=e.approval_policy,
                window=e.model_context_window,
            )
        elif isinstance(e, ev.SessionConfigured):
            self.session_id = e.session_id
            self.status.set(model=e.model, effort=e.reasoning_effort)
            if e.resumed:
                self.chat.notice(f"• resumed session ({e.history_items} items in history)")
        elif isinstance(e, ev.TurnStarted):
            self.running = True
            self.activity.start()
            if e.model_context_window:
                self.status.set(window=e.model_context_window)
        elif isinstance(e, ev.TokenCount):
            self.status.set(last=e.last, total=e.session_total)
            if e.model_context_window:
                self.status.set(window=e.model_context_window)
        elif isinstance(e, ev.ExecApprovalRequest | ev.PatchApprovalRequest):
            from burro.frontends.tui.screens.approval import ask

            ask(self, e)
        elif isinstance(e, ev.ShutdownComplete):
            return
        else:
            self.chat.handle(e)
            if isinstance(e, ev.TurnComplete | ev.TurnAborted | ev.TurnFailed):
                self._turn_ended()

    def _turn_ended(self) -> None:
        self.running = False
        if self.activity.hint == "interrupting…":
            self.activity.hint = ""  # the interrupt is done
        self.activity.stop()

    # -- input -------------------------------------------------------------------------
    def submit(self, op: Op) -> bool:
        if self.handle is None:
            self.chat.notice("■ no session is running yet", style="red")
            return False
        self.handle.submit(op)
        return True

    async def on_composer_submitted(self, message: Composer.Submitted) -> None:
        from burro.frontends.tui import slash

        self._quit_armed = False
        self.activity.show_hint("")
        draft = message.draft
        if self.home is not None and draft.text.strip():
            from burro.frontends.tui.history import append_history

            append_history(self.home, draft.text, session_id=self.session_id)
        if draft.text.startswith("!") and draft.text[1:].strip() and not draft.images:
            from burro.frontends.tui.shell import run_user_shell

            if self.user_shell is not None:
                self.chat.notice("■ your previous command is still running (esc stops it)")
                return
            self.chat.add(render.user_message(draft.text))
            self.run_worker(run_user_shell(self, draft.text[1:].strip()), group="shell")
            return
        parsed = slash.parse(message.draft.text) if not message.draft.images else None
        if parsed is not None:
            from burro.frontends.tui.commands import run_command

            self.run_worker(run_command(self, parsed), group="command")
            return
        self.send_draft(message.draft)

    def on_composer_hint(self, message: Composer.Hint) -> None:
        self.activity.show_hint(message.text)

    def on_composer_help_requested(self, _message: Composer.HelpRequested) -> None:
        self.chat.add(render.key_help())

    def send_draft(self, draft: Draft) -> None:
        if self.handle is None and self._booting:
            self._queued.append(draft)  # typed before the session was up: send it when it is
            self.chat.notice("• starting the session…")
            return
        parts: list[ContentPart] = []
        if self.pending_context and self.handle is not None:  # what `!cmd` printed
            parts.append(TextPart(text="\n\n".join(self.pending_context)))
            self.pending_context.clear()
        if draft.text:
            parts.append(TextPart(text=draft.text))
        parts.extend(ImagePart(image_url=url) for url in draft.images)
        if parts and self.submit(UserTurn(items=parts)) and not self.running:
            self.running = True
            self.activity.start()

    # -- keys --------------------------------------------------------------------------
    def _on_main_screen(self) -> bool:
        return self.screen is self.screen_stack[0]

    def action_scroll_transcript(self, pages: int) -> None:
        from textual.actions import SkipAction

        if not self._on_main_screen():
            raise SkipAction()  # a dialog's own list scrolls
        transcript = self.chat.transcript
        if pages < 0:
            transcript.scroll_page_up(animate=False)
        else:
            transcript.scroll_page_down(animate=False)

    def action_follow_transcript(self) -> None:
        """End jumps to the newest output, unless it moves the composer's cursor."""
        from textual.actions import SkipAction

        composer = self.composer
        at_end = composer.cursor_location == composer.document.end
        if not self._on_main_screen() or not at_end:
            raise SkipAction()
        self.chat.transcript.follow()

    def action_interrupt(self) -> None:
        from burro.frontends.tui.shell import interrupt_user_shell

        if interrupt_user_shell(self):
            self.activity.show_hint("stopping your command…")
        elif self.running and self.handle is not None:
            self.handle.submit(Interrupt())
            self.activity.show_hint("interrupting…")

    async def action_ctrl_c(self) -> None:
        from textual.screen import ModalScreen

        from burro.frontends.tui.screens.approval import ApprovalScreen
        from burro.frontends.tui.screens.setup import SetupScreen

        screen = self.screen
        if isinstance(screen, ApprovalScreen):
            screen.dismiss("abort")
        elif isinstance(screen, SetupScreen):
            await self.action_quit_now()
        elif isinstance(screen, ModalScreen):
            screen.dismiss(None)
        elif self.running or self.user_shell is not None:
            self.action_interrupt()
        elif self.composer.text:
            self.composer.clear_draft()
        elif self._quit_armed:
            await self.action_quit_now()
        else:
            self._quit_armed = True
            self.activity.show_hint("press ctrl+c again to quit")

    async def action_quit_now(self) -> None:
        await self.stop_session()
        self.exit(0)

    async def on_unmount(self) -> None:
        # However the app ends, its session shuts down (and releases its session file);
        # the widgets are gone by now, so only the engine side is stopped.
        handle, self.handle = self.handle, None
        if handle is not None:
            await handle.shutdown(grace_s=5.0)
