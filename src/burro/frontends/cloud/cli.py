"""Click commands: `burro serve`, `burro worker`, `burro cloud ...`. Light to import:
everything heavy is imported inside the commands."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def _home() -> Path:
    from burro.config import burro_home

    return burro_home(os.environ)


def _run_async(coro: Any, errors: tuple[type[Exception], ...]) -> None:
    try:
        sys.exit(asyncio.run(coro))
    except errors as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)


# `burro serve`'s options; the command is built by ``serve_command`` (burro.cli adds the
# front ends it hosts, e.g. the GitHub bot).
_SERVE_OPTIONS: list[Callable[[F], F]] = [
    click.option(
        "--host",
        default="127.0.0.1",
        show_default=True,
        help="Address to listen on (0.0.0.0 opens it).",
    ),
    click.option("--port", default=8765, show_default=True, type=int),
    click.option(
        "--database-url",
        help="postgresql://… for a store shared by several machines (default: SQLite).",
    ),
    click.option(
        "--temporal-address",
        metavar="HOST:PORT",
        help="Use this Temporal cluster; start no dev server.",
    ),
    click.option(
        "--temporal-port",
        default=7233,
        show_default=True,
        type=int,
        help="Port of the embedded dev server.",
    ),
    click.option(
        "--workers",
        default=4,
        show_default=True,
        type=click.IntRange(min=1),
        help="Task slots of the in-process worker.",
    ),
    click.option("--no-worker", is_flag=True, help="API only (workers run elsewhere)."),
    click.option(
        "--heartbeat-timeout",
        default=30.0,
        show_default=True,
        type=click.FloatRange(min=1),
        help="Seconds before a silent worker's turn moves to another worker.",
    ),
    click.option(
        "--notify",
        "notify_url",
        metavar="URL",
        help="Webhook called when a task finishes, fails or waits for an approval "
        "(overrides [cloud.notify] in config.toml).",
    ),
    click.option(
        "--notify-format", type=click.Choice(["json", "ntfy"]), help="json (default) or ntfy."
    ),
    click.option("--task-queue", default="burro-tasks", hidden=True),
]


def serve_command(
    *, extend: Callable[[Any], None] | None = None, epilog: str | None = None
) -> click.Command:
    """`burro serve`; ``extend(opts)`` may add extensions to the ServeOptions first."""

    def serve_cmd(**kw: Any) -> None:
        """Start the task server: Temporal dev server, task store, a worker and the HTTP API."""
        from burro.config import ConfigError
        from burro.frontends.cloud.notify import resolve
        from burro.frontends.cloud.server import ServeError, ServeOptions, serve

        try:
            notifier = resolve(os.environ, url=kw["notify_url"], fmt=kw["notify_format"])
        except ConfigError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        opts = ServeOptions(
            home=_home(),
            host=kw["host"],
            port=kw["port"],
            database_url=kw["database_url"],
            temporal_address=kw["temporal_address"],
            temporal_port=kw["temporal_port"],
            workers=kw["workers"],
            no_worker=kw["no_worker"],
            heartbeat_s=kw["heartbeat_timeout"],
            task_queue=kw["task_queue"],
            notifier=notifier,
        )
        if extend is not None:
            extend(opts)
        _run_async(serve(opts), (ServeError,))

    for option in reversed(_SERVE_OPTIONS):
        serve_cmd = option(serve_cmd)
    return click.command("serve", epilog=epilog)(serve_cmd)


serve_cmd = serve_command()


@click.command("worker")
@click.option(
    "--temporal-address",
    metavar="HOST:PORT",
    help="Temporal frontend (default: this machine's `burro serve`).",
)
@click.option("--database-url", help="The task store (default: this machine's `burro serve`).")
@click.option(
    "--slots", default=4, show_default=True, type=click.IntRange(min=1), help="Tasks run at once."
)
@click.option("--task-queue", hidden=True)
@click.option("--notify", "notify_url", metavar="URL", help="Webhook (default: the local serve's).")
@click.option("--notify-format", type=click.Choice(["json", "ntfy"]))
def worker_cmd(
    temporal_address: str | None,
    database_url: str | None,
    slots: int,
    task_queue: str | None,
    notify_url: str | None,
    notify_format: str | None,
) -> None:
    """Run tasks for a `burro serve` (on this machine, or anywhere with the flags)."""
    from burro.frontends.cloud.server import ServeError, run_worker

    _run_async(
        run_worker(
            _home(),
            temporal_address=temporal_address,
            database_url=database_url,
            slots=slots,
            task_queue=task_queue,
            notify_url=notify_url,
            notify_format=notify_format,
        ),
        (ServeError,),
    )


@click.group("cloud")
@click.option(
    "--server", metavar="URL", help="Task server (default: $BURRO_SERVER or this machine's)."
)
@click.pass_context
def cloud_group(ctx: click.Context, server: str | None) -> None:
    """Background tasks on a `burro serve`: submit, follow, get the diff."""
    ctx.obj = {"server": server}


def _api(ctx: click.Context) -> Any:
    from burro.frontends.cloud.client import Api

    return Api.locate(ctx.obj.get("server") if ctx.obj else None, _home(), os.environ)


def _guard(fn: F) -> F:
    """Turn CloudError into one line on stderr and its exit code."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kw: Any) -> Any:
        from burro.frontends.cloud.client import CloudError

        try:
            return fn(*args, **kw)
        except CloudError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.code)

    return wrapper  # type: ignore[return-value]


def _task_command(name: str) -> Callable[[Callable[..., Any]], click.Command]:
    """`burro cloud NAME TASK_ID [OPTIONS]`: the function gets the click context first,
    and a CloudError becomes one line on stderr and its exit code."""

    def wrap(fn: Callable[..., Any]) -> click.Command:
        return cloud_group.command(name)(click.argument("task_id")(click.pass_context(_guard(fn))))

    return wrap


# Which attempt of a best-of-N task (the first by default).
_attempt_option = click.option("--attempt", default=1, type=click.IntRange(min=1))


def _diff(api: Any, task_id: str, attempt: int) -> str:
    return str(api.call("GET", f"/api/tasks/{task_id}/diff", params={"attempt": attempt}).text)


@cloud_group.command("exec")
@click.argument("prompt")
@click.option("--repo", metavar="PATH|URL", help="Repository (default: this checkout).")
@click.option("--base", metavar="REF", help="Commit to start from (default: local HEAD).")
@click.option("--from-local", is_flag=True, help="Send the local uncommitted changes along.")
@click.option("--attempts", default=1, type=click.IntRange(1, 8), help="Best-of-N attempts.")
@click.option("-m", "--model")
@click.option("--provider")
@click.option("--effort", type=click.Choice(["none", "minimal", "low", "medium", "high", "xhigh"]))
@click.option("-s", "--sandbox", type=click.Choice(["read-only", "workspace-write"]))
@click.option(
    "-a",
    "--ask-for-approval",
    "approval",
    type=click.Choice(["never", "on-request", "on-failure", "untrusted"]),
)
@click.option(
    "--setup",
    "setup_file",
    metavar="FILE",
    help="Environment setup script (default: .burro/setup.sh).",
)
@click.option("-c", "--config", "overrides", multiple=True, metavar="KEY=VALUE")
@click.option("--from-session", metavar="ID", help="Continue this local session on the server.")
@click.pass_context
@_guard
def cloud_exec(ctx: click.Context, /, prompt: str, **kw: Any) -> None:
    """Submit a task; prints its id."""
    from burro.frontends.cloud.client import CloudError, cwd, task_spec

    setup = None
    if kw["setup_file"]:
        try:
            setup = Path(kw["setup_file"]).read_text(encoding="utf-8")
        except OSError as exc:
            raise CloudError(f"--setup {kw['setup_file']}: cannot read ({exc.strerror})") from exc
    spec = task_spec(
        prompt=prompt,
        repo=kw["repo"],
        base=kw["base"],
        from_local=kw["from_local"] or bool(kw["from_session"]),
        cwd=cwd(),
        attempts=kw["attempts"],
        model=kw["model"],
        provider=kw["provider"],
        effort=kw["effort"],
        sandbox=kw["sandbox"],
        approval_policy=kw["approval"],
        setup=setup,
        config=list(kw["overrides"]),
    )
    from burro.frontends.cloud.handoff import hand_over

    click.echo(hand_over(_api(ctx), _home(), session=kw["from_session"], spec=spec))


@cloud_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@_guard
def cloud_list(ctx: click.Context, as_json: bool) -> None:
    """Tasks, newest first."""
    tasks = _api(ctx).call("GET", "/api/tasks").json()["tasks"]
    for t in tasks:
        if as_json:
            click.echo(json.dumps(t))
        else:
            click.echo(
                f"{t['id']}  {t['status']:<16} {t['wall_time_s']:>8.1f}s  {' '.join(t['prompt'].split())[:60]}"
            )


@_task_command("status")
@click.option("--json", "as_json", is_flag=True)
def cloud_status(ctx: click.Context, task_id: str, as_json: bool) -> None:
    """Status, the command running now and its output, files changed, usage."""
    from burro.frontends.cloud.client import print_status

    view = _api(ctx).call("GET", f"/api/tasks/{task_id}").json()
    if as_json:
        click.echo(json.dumps(view, indent=2))
    else:
        print_status(view)


@_task_command("wait")
@click.option("--timeout", type=float, help="Give up after this many seconds (exit 124).")
def cloud_wait(ctx: click.Context, task_id: str, timeout: float | None) -> None:
    """Wait for the task to end; exit 0 completed, 1 failed, 3 cancelled."""
    from burro.frontends.cloud.client import EXIT, wait_for

    view = wait_for(_api(ctx), task_id, timeout)
    click.echo(view["status"], err=True)
    sys.exit(EXIT[view["status"]])


@_task_command("logs")
@click.option("-f", "--follow", is_flag=True, help="Keep streaming until the task ends.")
@click.option(
    "--json", "as_json", is_flag=True, help="The lines of `burro exec --json` (Codex shapes)."
)
@click.option(
    "--raw", is_flag=True, help="The stored protocol events: {attempt, seq, event} per line."
)
def cloud_logs(ctx: click.Context, task_id: str, follow: bool, as_json: bool, raw: bool) -> None:
    """The task's events (reconnects with Last-Event-ID if the server restarts). With
    --json, the lines of `burro exec --json` (Codex's exec shapes), each with its
    attempt number."""
    import msgspec

    from burro.frontends.cloud.client import render_human
    from burro.protocol.codex_exec import JsonlMapper
    from burro.protocol.events import Event

    mappers: dict[int, JsonlMapper] = {}
    for _id, kind, data in _api(ctx).events(task_id, follow=follow):
        if kind == "end":
            break
        if raw:
            sys.stdout.write(json.dumps(data, separators=(",", ":")) + "\n")
            sys.stdout.flush()
            continue
        if not as_json:
            render_human(kind, data, sys.stdout)
            continue
        attempt = int(data.get("attempt", 1))
        try:
            event = msgspec.convert(data.get("event", {}), Event)
        except msgspec.ValidationError:
            continue  # an event kind this client does not know (a newer server)
        mapper = mappers.setdefault(attempt, JsonlMapper())
        for line in mapper.map(event):
            sys.stdout.write(json.dumps({**line, "attempt": attempt}, separators=(",", ":")) + "\n")
        sys.stdout.flush()


@_task_command("follow-up")
@click.argument("text")
@click.option("--attempt", type=click.IntRange(min=1))
def cloud_follow_up(ctx: click.Context, task_id: str, text: str, attempt: int | None) -> None:
    """Send a follow-up message (a new turn)."""
    body: dict[str, Any] = {"text": text}
    if attempt:
        body["attempt"] = attempt
    click.echo(
        _api(ctx).call("POST", f"/api/tasks/{task_id}/follow-ups", json=body).json()["detail"],
        err=True,
    )


@_task_command("diff")
@_attempt_option
def cloud_diff(ctx: click.Context, task_id: str, attempt: int) -> None:
    """The attempt's diff against its base commit."""
    sys.stdout.write(_diff(_api(ctx), task_id, attempt))


@_task_command("apply")
@_attempt_option
def cloud_apply(ctx: click.Context, task_id: str, attempt: int) -> None:
    """git apply the attempt's diff to this checkout (all or nothing)."""
    from burro.frontends.cloud.client import apply_diff, cwd

    click.echo(apply_diff(_diff(_api(ctx), task_id, attempt), cwd()), err=True)


@_task_command("cancel")
def cloud_cancel(ctx: click.Context, task_id: str) -> None:
    """Cancel the task; its running commands are stopped."""
    click.echo(_api(ctx).call("POST", f"/api/tasks/{task_id}/cancel").json()["detail"], err=True)


@_task_command("pull")
@_attempt_option
@click.option("--no-apply", is_flag=True, help="Only bring the session, not the diff.")
def cloud_pull(ctx: click.Context, task_id: str, attempt: int, no_apply: bool) -> None:
    """Bring the task's session here (resumable with `burro resume`) and apply its diff."""
    from burro.frontends.cloud.client import apply_diff, cwd, repo_root
    from burro.frontends.cloud.handoff import save_pulled_session

    api = _api(ctx)
    root = repo_root(cwd())
    if not no_apply:
        click.echo(apply_diff(_diff(api, task_id, attempt), root), err=True)
    data = api.call("GET", f"/api/tasks/{task_id}/session", params={"attempt": attempt}).json()
    session_id, path = save_pulled_session(_home(), data["lines"], cwd=root)
    click.echo(session_id)
    click.echo(f"session saved to {path}; continue with: burro resume {session_id}", err=True)


@cloud_group.command("attach")
@click.argument("task_id")
@click.option(
    "--attempt",
    default=1,
    type=click.IntRange(min=1),
    help="The attempt the UI shows and talks to.",
)
@click.option(
    "--lines",
    is_flag=True,
    help="Line mode (also used when stdin or stdout is not a terminal).",
)
@click.pass_context
@_guard
def cloud_attach(ctx: click.Context, task_id: str, attempt: int, lines: bool) -> None:
    """The terminal UI on a task: its events live, typing sends a follow-up, Esc
    interrupts the turn, approvals are answered in a dialog. Quitting leaves it running."""
    from burro.frontends.cloud.attach import attach

    api = _api(ctx)
    # The full-screen UI is another front end: the CLI hands it in (burro.cli._compose).
    open_ui = ctx.meta.get("burro.attach_ui")
    if not lines and open_ui is not None and sys.stdin.isatty() and sys.stdout.isatty():
        from burro.frontends.cloud.remote import RemoteSession

        session = RemoteSession.connect(api, task_id, attempt=attempt)
        code = open_ui(session, intro=session.intro())
        click.echo(f"detached; the task keeps running (burro cloud attach {task_id})", err=True)
        sys.exit(code)
    sys.exit(attach(api, task_id))
