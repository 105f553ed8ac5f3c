"""The review bot end to end: the real `burro github serve` receives GitHub's example
webhook payloads (signed), reviews a pull request hosted in a real bare repository with
the fake model, and posts to a fake GitHub on loopback that checks every inline comment
against the diff as GitHub does."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.github import FakeGitHub, Fault
from tests.fakes.model_server import FakeModelServer
from tests.fakes.script import Call, Text, Turn
from tests.review.bot_kit import (
    HEAD1,
    HEAD2,
    OFF_BY_ONE,
    REPO,
    BotProcess,
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

NIT = ("[P2] Name the loop variable", 2, 4, 4)
FAR = ("[P1] Old code far away", 1, 40, 41)
DIV_ZERO = ("[P1] mean() divides by zero on an empty list", 1, 9, 9)


LOOK = Turn([Call("exec_command", {"cmd": "git log --oneline -3"}, call_id="look")])


@pytest.fixture
def pr(tmp_path: Path) -> PullRequest:
    return make_pull_request(tmp_path)


@pytest.fixture
def github(pr: PullRequest) -> Iterator[FakeGitHub]:
    with hosting(pr) as gh:
        yield gh


@pytest.fixture
def head(github: FakeGitHub, pr: PullRequest) -> str:
    """The pull request, opened with its first commit: that commit's sha."""
    return open_pr(github, pr, HEAD1)


@pytest.fixture
def bot(burro_home: Path, github: FakeGitHub, server: FakeModelServer) -> Iterator[BotProcess]:
    proc = BotProcess(burro_home, github, server).start()
    yield proc
    proc.stop()


def reviews(github: FakeGitHub) -> list[dict[str, Any]]:
    return github.repos[REPO].reviews


def summaries(github: FakeGitHub) -> list[dict[str, Any]]:
    return [c for c in github.repos[REPO].issue_comments if "## burro review" in c["body"]]


def open_pr(github: FakeGitHub, pr: PullRequest, text: str, *, draft: bool = False) -> str:
    head = pr.push(text, "work")
    github.set_pull(REPO, pr_object(pr, head, draft=draft))
    return head


def settled(bot: BotProcess, delivery: str) -> bool:
    return bot.states().get(delivery) in ("done", "ignored", "failed")


def review_opened(bot: BotProcess, pr: PullRequest, head: str, delivery: str, what: str) -> str:
    """Deliver "pull request ``head`` opened" and wait until the bot settles it: its
    state (the bot's log when it is not done)."""
    deliver(bot.url, "pull_request", pr_event(pr, head, "opened"), delivery=delivery)
    wait_for(lambda: settled(bot, delivery), what=what)
    state = bot.states()[delivery]
    assert state == "done", bot.log.read_text()
    return state


def test_signature_failures_replays_and_oversize_are_refused(
    bot: BotProcess, github: FakeGitHub, pr: PullRequest, server: FakeModelServer
) -> None:
    head = open_pr(github, pr, HEAD1)
    payload = pr_event(pr, head, "opened")
    assert deliver(bot.url, "pull_request", payload, signature=None).status_code == 401
    bad = "sha256=" + "0" * 64
    assert deliver(bot.url, "pull_request", payload, signature=bad).status_code == 401
    tampered = json.dumps(payload).encode()
    from tests.review.bot_kit import sign

    sig = sign(tampered)
    assert deliver(bot.url, "pull_request", tampered + b" ", signature=sig).status_code == 401
    big = json.dumps({"pad": "x" * (26 * 1024 * 1024)}).encode()
    assert deliver(bot.url, "pull_request", big).status_code == 413
    ping = deliver(bot.url, "ping", {"zen": "Keep it logically awesome."}, delivery="d-ping")
    assert ping.status_code == 200
    assert deliver(bot.url, "ping", {"zen": "again"}, delivery="d-ping").status_code == 409
    # Nothing refused reached GitHub or the model.
    assert bot.states() == {"d-ping": "ignored"}
    assert github.calls("POST", r"/reviews$") == [] and server.requests == []


def test_opened_pr_gets_one_review_on_changed_lines_then_only_new_commits(
    bot: BotProcess,
    github: FakeGitHub,
    pr: PullRequest,
    server: FakeModelServer,
    burro_home: Path,
) -> None:
    head1 = open_pr(github, pr, HEAD1)
    server.add_turns(LOOK, answer(burro_home, OFF_BY_ONE, NIT, FAR))
    res = deliver(bot.url, "pull_request", pr_event(pr, head1, "opened"), delivery="d1")
    assert res.status_code == 202
    wait_for(lambda: settled(bot, "d1"), what="the first review")
    assert bot.states()["d1"] == "done", bot.log.read_text()

    (review,) = reviews(github)
    assert review["commit_id"] == head1
    assert [(c["path"], c["line"]) for c in review["comments"]] == [("calc.py", 3)]
    assert "The last element is never added" in review["comments"][0]["body"]
    (summary,) = summaries(github)
    assert "Name the loop variable" in summary["body"]  # P2 stays in the summary
    assert "Old code far away" in summary["body"]  # outside the diff: summary only
    first_prompt = json.dumps(server.requests[0].json["input"])
    assert "pull request #7" in first_prompt and "Skips a step in the loop." in first_prompt

    # A second push: only the new commit is reviewed; the old finding is not repeated.
    head2 = open_pr(github, pr, HEAD2)
    server.add_turns(answer(burro_home, OFF_BY_ONE, DIV_ZERO, NIT))
    n_before = len(server.requests)
    deliver(bot.url, "pull_request", pr_event(pr, head2, "synchronize"), delivery="d2")
    wait_for(lambda: settled(bot, "d2"), what="the second review")
    assert bot.states()["d2"] == "done", bot.log.read_text()
    assert f"git diff {head1}..{head2}" in json.dumps(server.requests[n_before].json["input"])
    _first, second = reviews(github)
    assert [(c["line"], c["body"].split("\n")[0]) for c in second["comments"]] == [
        (9, "**[P1] mean() divides by zero on an empty list**")
    ]
    (summary,) = summaries(github)  # still one summary, edited in place
    assert len(github.calls("PATCH", r"/issues/comments/")) == 1
    visible = summary["body"].split("<!-- burro-review-state")[0]
    assert visible.count("- **[P2] Name the loop variable**") == 1
    assert head2[:7] in summary["body"]

    # The same head again (a redelivered event) reviews nothing.
    deliver(bot.url, "pull_request", pr_event(pr, head2, "synchronize"), delivery="d3")
    wait_for(lambda: settled(bot, "d3"), what="the repeated event")
    assert bot.states()["d3"] == "ignored" and len(reviews(github)) == 2


def test_review_comment_needs_write_access_and_fix_says_how_to_enable(
    bot: BotProcess,
    github: FakeGitHub,
    pr: PullRequest,
    server: FakeModelServer,
    burro_home: Path,
) -> None:
    open_pr(github, pr, HEAD1, draft=True)
    deliver(
        bot.url,
        "pull_request",
        pr_event(pr, pr.push(HEAD1 + "#\n", "x"), "opened", draft=True),
        delivery="draft",
    )
    deliver(
        bot.url, "issue_comment", comment_event(pr, "@burro review please", "reader"), delivery="c1"
    )
    wait_for(lambda: settled(bot, "c1") and settled(bot, "draft"), what="the ignored ones")
    assert bot.states() == {"draft": "ignored", "c1": "ignored"}
    assert server.requests == [] and reviews(github) == []

    head = open_pr(github, pr, HEAD1, draft=True)
    server.add_turns(answer(burro_home, OFF_BY_ONE))
    body = "Looks odd.\n@burro review the loop bounds"
    deliver(bot.url, "issue_comment", comment_event(pr, body, "maintainer"), delivery="c2")
    wait_for(lambda: settled(bot, "c2"), what="the requested review")
    assert bot.states()["c2"] == "done", bot.log.read_text()
    assert "the loop bounds" in json.dumps(server.requests[0].json["input"])
    assert reviews(github)[0]["commit_id"] == head

    deliver(
        bot.url,
        "issue_comment",
        comment_event(pr, "@burro fix the loop", "maintainer"),
        delivery="c3",
    )
    wait_for(lambda: settled(bot, "c3"), what="the fix reply")
    replies = [c["body"] for c in github.repos[REPO].issue_comments if "burro serve" in c["body"]]
    assert len(replies) == 1 and "`@burro fix`" in replies[0]


def test_rate_limits_are_waited_out_and_the_review_posted_once(
    bot: BotProcess,
    github: FakeGitHub,
    pr: PullRequest,
    head: str,
    server: FakeModelServer,
    burro_home: Path,
) -> None:
    github.faults.append(
        Fault(
            "POST",
            r"/pulls/7/reviews$",
            403,
            {
                "message": "You have exceeded a secondary rate limit. Please wait a few minutes.",
                "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
            },
            headers={"retry-after": "1"},
        )
    )
    reset = str(int(time.time()) + 2)
    primary = {"message": "API rate limit exceeded for installation ID 42."}
    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset}
    github.faults.append(Fault("GET", r"/pulls/7$", 403, primary, headers=headers))
    server.add_turns(answer(burro_home, OFF_BY_ONE))
    review_opened(bot, pr, head, "r1", "the rate-limited review")
    assert len(github.calls("POST", r"/pulls/7/reviews$")) == 2  # refused once, then sent
    pulls = github.calls("GET", r"/pulls/7$")
    assert len(pulls) == 2  # the primary limit too
    assert len(reviews(github)) == 1 and len(summaries(github)) == 1


def test_a_bot_killed_mid_review_finishes_it_once_after_restart(
    burro_home: Path, github: FakeGitHub, pr: PullRequest, head: str, server: FakeModelServer
) -> None:
    slow = answer(burro_home, OFF_BY_ONE)
    slow.delay_s = 30.0  # the model is still thinking when the bot dies
    server.add_turns(slow, answer(burro_home, OFF_BY_ONE))
    first = BotProcess(burro_home, github, server).start()
    try:
        deliver(first.url, "pull_request", pr_event(pr, head, "opened"), delivery="k1")
        server.wait_for_requests(1, timeout=30)
    finally:
        first.kill()
    assert first.states() == {"k1": "running"}
    assert reviews(github) == []  # nothing half-done
    with BotProcess(burro_home, github, server) as second:
        wait_for(lambda: settled(second, "k1"), what="the resumed review")
    assert second.states() == {"k1": "done"}, second.log.read_text()
    assert len(reviews(github)) == 1 and len(summaries(github)) == 1


def test_github_app_authentication_mints_installation_tokens(
    tmp_path: Path, burro_home: Path, pr: PullRequest, server: FakeModelServer
) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    key_file = tmp_path / "app.pem"
    key_file.write_bytes(pem)
    with FakeGitHub(app_id="1234", public_key_pem=public, login="burro-app[bot]") as github:
        github.add_repo(REPO, pr.bare)
        head = open_pr(github, pr, HEAD1)
        server.add_turns(answer(burro_home, OFF_BY_ONE))
        env = {"BURRO_GITHUB_APP_ID": "1234", "BURRO_GITHUB_PRIVATE_KEY_FILE": str(key_file)}
        with BotProcess(burro_home, github, server, env=env) as bot:
            review_opened(bot, pr, head, "a1", "the app's review")
        (mint,) = github.calls("POST", r"^/app/installations/42/access_tokens$")
        assert mint.headers["authorization"].startswith("Bearer ")
        (post,) = github.calls("POST", r"/pulls/7/reviews$")
        token = post.headers["authorization"].split()[1]
        assert github.installation_tokens[token] == 42


def test_a_failed_review_posts_nothing_and_is_retried(
    burro_home: Path, github: FakeGitHub, pr: PullRequest, head: str, server: FakeModelServer
) -> None:
    server.add_turns(Turn([Text("I could not decide, sorry.")]), answer(burro_home, OFF_BY_ONE))
    with BotProcess(burro_home, github, server, args=("--retry-base-seconds", "0.2")) as bot:
        review_opened(bot, pr, head, "f1", "the retried review")
    assert len(server.requests) == 2  # the unreadable answer, then the retry
    assert "holds no review JSON" in bot.log.read_text()
    assert len(reviews(github)) == 1 and len(summaries(github)) == 1
    assert len(github.calls("POST", r"/issues/7/comments$")) == 1


class _TaskServer:
    """A stand-in for `burro serve`'s POST /api/tasks (the body is checked against the
    task server's own request model)."""

    def __init__(self) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.bodies: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                from burro.frontends.cloud.schemas import TaskCreate

                raw = self.rfile.read(int(self.headers["content-length"]))
                ok = self.headers.get("authorization") == "Bearer serve-token"
                if ok and self.path == "/api/tasks":
                    body = json.loads(raw)
                    TaskCreate.model_validate(body)
                    outer.bodies.append(body)
                    status, reply = 201, {"id": "task_0123abcd", "attempts": ["task_0123abcd_1"]}
                else:
                    status, reply = 401, {"detail": "missing or wrong token"}
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        import threading

        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


def test_fix_comment_starts_a_task_on_the_task_server(
    burro_home: Path, github: FakeGitHub, pr: PullRequest, head: str, server: FakeModelServer
) -> None:
    tasks = _TaskServer()
    bot = BotProcess(
        burro_home,
        github,
        server,
        env={"BURRO_SERVE_TOKEN": "serve-token"},
        args=("--task-server", tasks.url),
    ).start()
    try:
        event = comment_event(pr, "@burro fix the loop bound", "maintainer")
        deliver(bot.url, "issue_comment", event, delivery="x1")
        wait_for(lambda: settled(bot, "x1"), what="the fix task")
    finally:
        bot.stop()
        tasks.httpd.shutdown()
    assert bot.states()["x1"] == "done", bot.log.read_text()
    (body,) = tasks.bodies
    assert body["base"] == head and body["repo"] == str(pr.bare)
    assert "the loop bound" in body["prompt"]
    replies = [c["body"] for c in github.repos[REPO].issue_comments]
    assert any("task_0123abcd" in r and "burro cloud apply" in r for r in replies)
    assert server.requests == []  # no review was run for a fix request


def test_a_malformed_delivery_fails_alone_and_the_next_one_is_served(
    bot: BotProcess,
    github: FakeGitHub,
    pr: PullRequest,
    head: str,
    server: FakeModelServer,
    burro_home: Path,
) -> None:
    broken = pr_event(pr, head, "opened")
    del broken["pull_request"]["number"]
    deliver(bot.url, "pull_request", broken, delivery="m1")
    server.add_turns(answer(burro_home, OFF_BY_ONE))
    deliver(bot.url, "pull_request", pr_event(pr, head, "opened"), delivery="m2")
    wait_for(lambda: settled(bot, "m1") and settled(bot, "m2"), what="both deliveries")
    assert bot.states() == {"m1": "failed", "m2": "done"}, bot.log.read_text()
    assert len(reviews(github)) == 1
