"""Helpers for the review bot tests: a pull request in real git repositories, GitHub's
own example webhook payloads, signed deliveries, and the real `burro github serve`."""

from __future__ import annotations

import contextlib
import copy
import json
import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.conftest import BURRO, MODELS, burro_env
from tests.fakes.github import FakeGitHub
from tests.fakes.model_server import FakeModelServer
from tests.fakes.script import Text, Turn
from tests.fakes.workspace import fake_provider_overrides
from tests.review.answers import answer as review_answer
from tests.review.answers import finding
from tests.review.npm import webhook_examples

SECRET = "s3cret-webhook"
REPO = "octo-org/calc"
BASE = "def total(xs):\n    s = 0\n    for x in xs:\n        s += x\n    return s\n"
# The pull request's first commit: an off-by-one on line 3.
HEAD1 = "def total(xs):\n    s = 0\n    for x in xs[:-1]:\n        s += x\n    return s\n"
# The second push adds a function (lines 8-9) with a division by zero on an empty list.
HEAD2 = HEAD1 + "\n\ndef mean(xs):\n    return total(xs) / len(xs)\n"


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@e", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


@dataclass
class PullRequest:
    work: Path  # the author's clone
    bare: Path  # what GitHub hosts
    number: int = 7

    def push(self, text: str, message: str) -> str:
        (self.work / "calc.py").write_text(text)
        git(self.work, "commit", "-qam", message)
        git(self.work, "push", "-qf", str(self.bare), f"HEAD:refs/pull/{self.number}/head")
        return git(self.work, "rev-parse", "HEAD")


def make_pull_request(tmp: Path) -> PullRequest:
    work, bare = tmp / "author", tmp / "hosted.git"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    (work / "calc.py").write_text(BASE)
    git(work, "add", "-A")
    git(work, "commit", "-qm", "base")
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    git(work, "push", "-q", str(bare), "main")
    git(work, "checkout", "-qb", "fix-total")
    return PullRequest(work=work, bare=bare)


def example(event: str, action: str) -> dict[str, Any]:
    for payload in webhook_examples(event):
        if payload.get("action") == action:
            return copy.deepcopy(payload)
    raise KeyError(f"{event}.{action}")


def pr_object(pr: PullRequest, head: str, *, draft: bool = False) -> dict[str, Any]:
    """GitHub's pull request object (from the example payload) for our repository."""
    obj = example("pull_request", "opened")["pull_request"]
    base_sha = git(pr.work, "rev-parse", "main")
    obj.update(
        number=pr.number,
        state="open",
        draft=draft,
        title="Faster total()",
        body="Skips a step in the loop.",
    )
    for side, ref, sha in (("head", "fix-total", head), ("base", "main", base_sha)):
        obj[side].update(ref=ref, sha=sha, label=f"octo-org:{ref}")
        obj[side]["repo"].update(full_name=REPO, name="calc", clone_url=str(pr.bare))
    return obj


def pr_event(
    pr: PullRequest, head: str, action: str, *, draft: bool = False, installation: int = 42
) -> dict[str, Any]:
    payload = example("pull_request", "opened")
    payload["action"] = action
    payload["pull_request"] = pr_object(pr, head, draft=draft)
    payload["repository"].update(full_name=REPO, name="calc")
    payload["installation"] = {"id": installation, "node_id": "MDIz"}
    return payload


def comment_event(pr: PullRequest, body: str, user: str) -> dict[str, Any]:
    payload = example("issue_comment", "created")
    payload["issue"].update(
        number=pr.number,
        pull_request={"url": f"https://api.github.com/repos/{REPO}/pulls/{pr.number}"},
    )
    payload["comment"].update(body=body)
    payload["comment"]["user"].update(login=user)
    payload["repository"].update(full_name=REPO, name="calc")
    payload["installation"] = {"id": 42, "node_id": "MDIz"}
    return payload


def sign(body: bytes, secret: str = SECRET) -> str:
    from githubkit.webhooks import sign as gh_sign

    return gh_sign(secret, body.decode())


def deliver(
    url: str,
    event: str,
    payload: dict[str, Any] | bytes,
    *,
    delivery: str | None = None,
    signature: str | bool | None = True,
) -> httpx.Response:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {
        "x-github-event": event,
        "x-github-delivery": delivery or str(uuid.uuid4()),
        "content-type": "application/json",
    }
    if signature is True:
        headers["x-hub-signature-256"] = sign(body)
    elif isinstance(signature, str):
        headers["x-hub-signature-256"] = signature
    return httpx.post(f"{url}/webhook", content=body, headers=headers, timeout=10)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class BotProcess:
    """The real `burro github serve`, talking to the fake GitHub and fake model."""

    def __init__(
        self,
        home: Path,
        github: FakeGitHub,
        model: FakeModelServer,
        *,
        env: dict[str, str] | None = None,
        args: tuple[str, ...] = (),
    ) -> None:
        self.home, self.port = home, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        provider, table = fake_provider_overrides(model.base_url, "responses")
        self.argv = [
            str(BURRO),
            "github",
            "serve",
            "--port",
            str(self.port),
            "--api-url",
            github.url,
            "-c",
            provider,
            "-c",
            table,
            "-m",
            MODELS["responses"],
            *args,
        ]
        self.env = {**burro_env(home), "BURRO_GITHUB_WEBHOOK_SECRET": SECRET, **(env or {})}
        if "BURRO_GITHUB_APP_ID" not in self.env:
            self.env["BURRO_GITHUB_TOKEN"] = github.token
        self.log = home / "bot.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> BotProcess:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                self.argv,
                env=self.env,
                stdout=out,
                stderr=out,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        wait_for(self._healthy, what="the bot to listen", timeout=30)
        return self

    def __enter__(self) -> BotProcess:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def _healthy(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"the bot exited: {self.log.read_text()}")
        try:
            # Listening once an unsigned delivery is refused (the bot has no open route).
            return httpx.post(f"{self.url}/webhook", content=b"{}", timeout=1).status_code in (
                401,
                403,
            )
        except httpx.HTTPError:
            return False

    def kill(self) -> None:
        """SIGKILL: no chance to clean up (a crash)."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def states(self) -> dict[str, str]:
        import sqlite3

        db = sqlite3.connect(self.home / "github" / "queue.sqlite3")
        try:
            return dict(db.execute("SELECT id, state FROM deliveries").fetchall())
        finally:
            db.close()


@contextlib.contextmanager
def hosting(pr: PullRequest) -> Iterator[FakeGitHub]:
    """A fake GitHub hosting ``pr``'s repository, where `maintainer` may write and
    `reader` may read."""
    with FakeGitHub() as gh:
        repo = gh.add_repo(REPO, pr.bare)
        repo.permissions.update(maintainer="write", reader="read")
        yield gh


def wait_for(pred: Callable[[], bool], *, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


OFF_BY_ONE = ("[P1] The last element is never added", 1, 3, 3)


def answer(home: Path, *findings: tuple[str, int, int, int]) -> Turn:
    path = home / "github" / "work" / "octo-org__calc-7" / "calc.py"
    found = (
        finding(t, path, s, e, priority=p, body=f"Explained: {t}", confidence=0.8)
        for t, p, s, e in findings
    )
    text = review_answer(*found, explanation="total() drops an element.", confidence=0.7)
    return Turn([Text(text)])
