"""The web UI in a real chromium against a real `burro serve` and the fake model, at a
desktop size and a phone size (390x844, touch)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cloud.harness import shell
from tests.fakes.script import Text, Turn
from tests.web.conftest import (
    SIZES,
    no_sideways_scroll,
    screenshot,
    sign_in,
    sign_in_token,
)

HOSTILE = (
    "All **done**. Wrote `notes.md`:\n\n- first point\n- second point\n\n"
    '<script>window.pwned = 1</script><img src="x" onerror="window.pwned = 2">'
)
LONG_LINE = "x" * 300  # a line far wider than a phone


def _flow_script(gate: Path) -> list[Turn]:
    wait = f"for i in $(seq 150); do [ -e {gate} ] && break; sleep 0.1; done"
    return [
        Turn(
            [shell(f"echo tick-1; {wait}; echo tick-2; printf 'hello\\n{LONG_LINE}\\n' > notes.md")]
        ),
        Turn([Text(HOSTILE)]),
        Turn([shell("echo more >> notes.md")]),
        Turn([Text("Follow-up handled")]),
    ]


@pytest.fixture(params=list(SIZES))
def page(request: pytest.FixtureRequest, browser: Any) -> Any:
    context = browser.new_context(**SIZES[request.param])
    page = context.new_page()
    page.size_name = request.param
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # A blocked resource (Content-Security-Policy) or a failed request logs an error
    # (except the sign-in page's own 401 before signing in).
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and "status of 401" not in msg.text
            else None
        ),
    )
    yield page
    assert errors == [], f"errors on the page: {errors}"
    context.close()


@pytest.fixture
def gate() -> Iterator[Path]:
    """A file the test creates to let a command go on (outside /tmp: the sandbox has its
    own)."""
    path = Path("/var/tmp") / f"burro-web-gate-{uuid.uuid4().hex}"
    yield path
    path.unlink(missing_ok=True)


def test_sign_in_submit_watch_live_diff_follow_up(web_serve, page: Any, gate: Path) -> None:
    from playwright.sync_api import expect

    serve = web_serve(lambda i: _flow_script(gate))
    sign_in(page, serve.url, sign_in_token(serve))
    assert "token" not in page.url
    (cookie,) = page.context.cookies()
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    no_sideways_scroll(page)

    # Keyboard only: Tab to "New task", Enter, and the form has the focus.
    for _ in range(5):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "New task":
            break
    page.keyboard.press("Enter")
    expect(page.get_by_label("Repository")).to_be_focused()
    unlabelled = "[...document.querySelectorAll('input, select, textarea')].filter(e => !e.labels.length).map(e => e.id)"
    assert page.evaluate(unlabelled) == []
    page.get_by_label("Repository").fill(str(serve.repo))
    page.get_by_label("Prompt").fill("Write notes\nwith a second line")
    page.get_by_label("Effort").select_option("high")
    page.get_by_role("button", name="Start task").click()
    page.wait_for_url("**/#/task/task_*")
    task_id = page.url.rsplit("/", 1)[1]

    # Live: the command's first line shows while it is still running.
    running = page.locator(".ev.cmd.running")
    expect(running).to_contain_text("tick-1", timeout=60_000)
    expect(page.locator("#t-now")).to_contain_text("Running")
    gate.touch()
    expect(page.locator(".ev.cmd.ok")).to_contain_text("tick-2", timeout=60_000)
    expect(page.locator(".ev.agent")).to_contain_text("second point", timeout=60_000)
    expect(page.locator("#t-status")).to_have_text("done", timeout=30_000)

    # Model output is text, never HTML.
    agent = page.locator(".ev.agent").first
    expect(agent).to_contain_text("<script>window.pwned = 1</script>")
    expect(agent).to_contain_text('<img src="x" onerror="window.pwned = 2">')
    assert agent.locator("strong").inner_text() == "done"
    assert page.locator(".transcript img, .transcript script").count() == 0
    assert page.evaluate("window.pwned") is None

    expect(page.locator(".applycmd")).to_have_text(f"burro cloud apply {task_id} --attempt 1")
    no_sideways_scroll(page)
    screenshot(page, f"task-{page.size_name}")

    page.get_by_role("button", name="Diff").click()
    diff = page.locator(".difffile")
    expect(diff.locator("summary")).to_contain_text("notes.md")
    expect(diff.locator(".dl.add").first).to_have_text("+hello")
    no_sideways_scroll(page)  # the 300-character line wraps
    screenshot(page, f"diff-{page.size_name}")
    diff.locator("summary").click()  # collapsible
    expect(diff.locator(".dl.add").first).to_be_hidden()

    page.get_by_role("button", name="Transcript").click()
    page.get_by_label("Follow-up").fill("and one more line")
    page.get_by_role("button", name="Send follow-up").click()
    expect(page.locator(".ev.user").last).to_contain_text("and one more line", timeout=60_000)
    expect(page.locator(".ev.agent").last).to_contain_text("Follow-up handled", timeout=60_000)
    expect(page.locator("#t-status")).to_have_text("done", timeout=30_000)

    page.get_by_role("link", name="All tasks").click()
    item = page.locator(".task", has_text="Write notes")
    expect(item).to_contain_text("done")
    expect(item).not_to_contain_text("second line")  # the prompt's first line only
    expect(item).to_contain_text("1 attempt")
    expect(item).to_contain_text("(main)")  # repo and branch
    no_sideways_scroll(page)
    screenshot(page, f"list-{page.size_name}")
    page.get_by_role("button", name="failed").click()
    expect(item).to_be_hidden()


def test_cancel_a_running_task_and_approve_a_command(web_serve, page: Any) -> None:
    from playwright.sync_api import expect

    def script(i: int) -> list[Turn]:
        if i == 0:
            return [Turn([shell("echo sleeping; sleep 600")]), Turn([Text("never")])]
        return [Turn([shell("touch approved.txt")]), Turn([Text("approved and done")])]

    serve = web_serve(script)
    sign_in(page, serve.url, sign_in_token(serve))
    with serve.http() as c:
        body = {"prompt": "sleep", "repo": str(serve.repo)}
        sleeper = c.post("/api/tasks", json=body).json()["id"]
    serve.wait_until(sleeper, lambda v: bool(v["attempts"][0]["command"]))
    page.goto(f"{serve.url}/#/task/{sleeper}")
    expect(page.locator(".ev.cmd.running")).to_contain_text("sleeping", timeout=30_000)
    cancel = page.get_by_role("button", name="Cancel task")
    cancel.click()
    page.get_by_role("button", name="Tap again to cancel").click()
    expect(page.locator("#t-status")).to_have_text("cancelled", timeout=60_000)
    expect(page.locator("#t-now")).to_contain_text("Cancelled")
    expect(cancel).to_be_disabled()

    page.get_by_role("link", name="New task").click()
    page.get_by_label("Repository").fill(str(serve.repo))
    page.get_by_label("Prompt").fill("touch a file")
    page.get_by_label("Ask before").select_option("untrusted")
    page.get_by_role("button", name="Start task").click()
    expect(page.locator(".ev.approval")).to_contain_text("touch approved.txt", timeout=60_000)
    expect(page.locator("#t-status")).to_have_text("waiting for input")
    no_sideways_scroll(page)
    page.locator(".ev.approval").get_by_role("button", name="Approve", exact=True).click()
    expect(page.locator(".ev.agent")).to_contain_text("approved and done", timeout=60_000)
    expect(page.locator("#t-status")).to_have_text("done", timeout=30_000)
    assert page.locator(".ev.approval button:enabled").count() == 0
