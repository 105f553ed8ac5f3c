"""The GitHub review bot inside `burro serve` (when the environment configures it): the
webhook at /github/webhook answers signed deliveries only and needs no token, the review
lands on the fake GitHub, `@burro fix` creates the task in-process, and every other
route still needs the token. Without the configuration there is no webhook route."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.cloud.harness import Serve, SessionScripts, write_config
from tests.fakes.github import FakeGitHub
from tests.fakes.script import Text, Turn
from tests.review.bot_kit import (
    HEAD1,
    OFF_BY_ONE,
    REPO,
    SECRET,
    PullRequest,
    answer,
    comment_event,
    deliver,
    hosting,
    make_pull_request,
    pr_event,
    pr_object,
    wait_for,
)

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def pr(tmp_path: Path) -> PullRequest:
    (tmp_path / "pr").mkdir()
    return make_pull_request(tmp_path / "pr")


@pytest.fixture
def github(pr: PullRequest) -> Iterator[FakeGitHub]:
    with hosting(pr) as gh:
        yield gh


def _serve(
    tmp_path: Path, temporal_address: str, *, env: dict[str, str], home: Path
) -> tuple[Serve, SessionScripts]:
    # Session 0 is the reviewer; any later one (the fix task) just answers.
    fake = SessionScripts(lambda i: [answer(home, OFF_BY_ONE)] if i == 0 else [Turn([Text("ok")])])
    fake.start()
    write_config(home, fake.base_url)
    serve = Serve(home, tmp_path, temporal_address, extra_env=env)
    return serve.start(), fake


def test_the_bot_runs_inside_serve_outside_the_token_gate(
    tmp_path: Path, temporal_address: str, github: FakeGitHub, pr: PullRequest
) -> None:
    home = tmp_path / "home"
    env = _bot_env(github)
    serve, fake = _serve(tmp_path, temporal_address, env=env, home=home)
    hook = f"{serve.url}/github"
    try:
        head = pr.push(HEAD1, "work")
        github.set_pull(REPO, pr_object(pr, head))
        payload = pr_event(pr, head, "opened")
        # Unsigned or badly signed: refused by the bot, no token involved either way.
        assert deliver(hook, "pull_request", payload, signature=None).status_code == 401
        bad = deliver(hook, "pull_request", payload, signature="sha256=" + "0" * 64)
        assert bad.status_code == 401 and "signature" in bad.text
        # A bearer token does not open the webhook either.
        with_token = httpx.post(
            f"{hook}/webhook",
            content=json.dumps(payload).encode(),
            headers={"authorization": f"Bearer {serve.token}", "x-github-event": "ping"},
        )
        assert with_token.status_code == 401
        # Signed: acknowledged at once, reviewed by the in-process worker.
        assert deliver(hook, "pull_request", payload, delivery="d1").status_code == 202
        wait_for(lambda: len(github.repos[REPO].reviews) == 1, what="the review", timeout=90)
        (review,) = github.repos[REPO].reviews
        assert review["commit_id"] == head
        assert [(c["path"], c["line"]) for c in review["comments"]] == [("calc.py", 3)]

        # `@burro fix` creates the task on this very server (no HTTP hop, no token).
        event = comment_event(pr, "@burro fix the loop bound", "maintainer")
        assert deliver(hook, "issue_comment", event, delivery="f1").status_code == 202

        def replied() -> bool:
            return any("burro cloud apply" in c["body"] for c in github.repos[REPO].issue_comments)

        wait_for(replied, what="the fix reply", timeout=60)
        with serve.http() as c:
            tasks = c.get("/api/tasks").json()["tasks"]
        assert len(tasks) == 1 and tasks[0]["repo"] == str(pr.bare), tasks
        reply = next(
            c["body"] for c in github.repos[REPO].issue_comments if "burro cloud apply" in c["body"]
        )
        assert tasks[0]["id"] in reply

        # Everything else still needs the token.
        assert httpx.get(f"{serve.url}/api/tasks").status_code == 401
        assert httpx.post(f"{serve.url}/api/tasks", json={}).status_code == 401
        # Only the webhook is open under /github (no way around it into the API).
        assert httpx.get(f"{hook}/webhook").status_code == 405
        assert httpx.get(f"{hook}/../api/tasks").status_code in (401, 404)
        assert httpx.get(f"{hook}/anything").status_code == 404
        # The exemption is the /github prefix exactly: a look-alike path is the API's.
        assert httpx.post(f"{serve.url}/githubx/webhook").status_code == 401
        assert httpx.get(f"{serve.url}/github-webhook").status_code == 401
    finally:
        serve.stop()
        fake.stop()
    assert serve.proc is not None and serve.proc.returncode == 0, serve.log()


def test_without_the_configuration_there_is_no_webhook_route(
    tmp_path: Path, temporal_address: str
) -> None:
    home = tmp_path / "home"
    serve, fake = _serve(tmp_path, temporal_address, env={}, home=home)
    try:
        # Behind the token like any unknown path, and not there with it either.
        assert httpx.post(f"{serve.url}/github/webhook", content=b"{}").status_code == 401
        with serve.http() as c:
            assert c.post("/github/webhook", content=b"{}").status_code == 404
    finally:
        serve.stop()
        fake.stop()
    assert "/github" not in serve.log()


def test_a_half_configured_bot_is_a_clear_error(tmp_path: Path, temporal_address: str) -> None:

    from tests.cloud.harness import cloud_env, serve_refusing

    home = tmp_path / "home"
    write_config(home, "http://127.0.0.1:9/v1")
    env = {**cloud_env(home), "BURRO_GITHUB_WEBHOOK_SECRET": SECRET}
    stderr = serve_refusing(["--temporal-address", temporal_address], env)
    assert "GitHub bot" in stderr and "BURRO_GITHUB_TOKEN" in stderr


def test_a_hung_git_fetch_neither_stalls_the_api_nor_survives_sigterm(
    tmp_path: Path, temporal_address: str, github: FakeGitHub, pr: PullRequest
) -> None:
    import socket
    import threading

    # A git remote that accepts the connection and never answers.
    listener = socket.create_server(("127.0.0.1", 0))
    fetching = threading.Event()
    held: list[socket.socket] = []

    def accept() -> None:
        with contextlib.suppress(OSError):
            while True:
                held.append(listener.accept()[0])
                fetching.set()

    threading.Thread(target=accept, daemon=True).start()
    home = tmp_path / "home"
    env = _bot_env(github)
    serve, fake = _serve(tmp_path, temporal_address, env=env, home=home)
    try:
        head = pr.push(HEAD1, "work")
        hung = pr_object(pr, head)
        hung["base"]["repo"]["clone_url"] = f"http://127.0.0.1:{listener.getsockname()[1]}/c.git"
        github.set_pull(REPO, hung)
        payload = pr_event(pr, head, "opened")
        payload["pull_request"] = hung
        assert deliver(f"{serve.url}/github", "pull_request", payload).status_code == 202
        assert fetching.wait(60), serve.log()
        # The fetch hangs; the task API still answers...
        with serve.http() as c:
            assert c.get("/api/tasks").status_code == 200
    finally:
        serve.stop()  # ...and one SIGTERM stops serve (30 s, else it is killed)
        fake.stop()
        listener.close()
        for conn in held:
            conn.close()
    assert serve.proc is not None and serve.proc.returncode == 0, serve.log()


def _bot_env(github: FakeGitHub) -> dict[str, str]:
    """What turns the bot on inside `burro serve`: the webhook secret and credentials."""
    return {
        "BURRO_GITHUB_WEBHOOK_SECRET": SECRET,
        "BURRO_GITHUB_TOKEN": github.token,
        "BURRO_GITHUB_API_URL": github.url,
    }
