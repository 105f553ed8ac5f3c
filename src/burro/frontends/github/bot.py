"""What the bot does with a delivery: decide whether it triggers anything, review the
pull request in a private checkout, then post everything at the end (nothing is posted
when the review fails, so a retry starts clean)."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from burro.frontends.github import publish, workspace
from burro.frontends.github.client import Api, Auth
from burro.frontends.github.config import BotConfig

log = logging.getLogger("burro.github")
WRITE_PERMISSIONS = frozenset({"admin", "maintain", "write"})
FIX_DISABLED = (
    "`@{mention} fix` starts a background task on this branch, which needs burro's task "
    "server: run the bot inside `burro serve` (it does when BURRO_GITHUB_WEBHOOK_SECRET is "
    "set; webhook URL `/github/webhook`), or run `burro github serve` with `--task-server "
    "URL` and `BURRO_SERVE_TOKEN`. `@{mention} review` works without it."
)


@dataclass(frozen=True, kw_only=True)
class FixRequest:
    repo: str
    number: int
    branch: str
    head_sha: str
    clone_url: str
    what: str
    requested_by: str


FixHandler = Callable[[FixRequest], Awaitable[str]]


@dataclass(frozen=True, kw_only=True)
class Job:
    """A review to do: which pull request, why, and with what focus."""

    repo: str
    number: int
    installation: int | None
    automatic: bool
    focus: str = ""


class Bot:
    def __init__(self, config: BotConfig, *, fix_handler: FixHandler | None = None) -> None:
        self.config = config
        self.auth = Auth(config)
        self.fix_handler = fix_handler
        self._command = re.compile(
            rf"(?:^|\s)@{re.escape(config.mention)}\s+(review|fix)\b[ \t]*([^\n]*)", re.I
        )

    # ------------------------------------------------------------ triggers

    async def handle(self, event: str, payload: dict[str, Any]) -> str:
        """Do what the delivery asks; returns a note for the queue ('ignored: ...' when
        it asks nothing). Raises on failure (the queue retries)."""
        installation = (payload.get("installation") or {}).get("id")
        repo = (payload.get("repository") or {}).get("full_name", "")
        if event == "pull_request":
            pr = payload.get("pull_request") or {}
            action = payload.get("action", "")
            if action not in self.config.pr_actions:
                return f"ignored: pull_request {action}"
            if pr.get("draft") and not self.config.review_drafts:
                return "ignored: draft"
            job = Job(
                repo=repo, number=int(pr["number"]), installation=installation, automatic=True
            )
            return await self.review(job)
        if event == "issue_comment" and payload.get("action") == "created":
            return await self._comment(payload, repo=repo, installation=installation)
        return f"ignored: {event}"

    async def _comment(
        self, payload: dict[str, Any], *, repo: str, installation: int | None
    ) -> str:
        issue = payload.get("issue") or {}
        comment = payload.get("comment") or {}
        if "pull_request" not in issue:
            return "ignored: not a pull request"
        m = self._command.search(comment.get("body") or "")
        if m is None:
            return "ignored: no command"
        api = await self.auth.api(installation)
        user = (comment.get("user") or {}).get("login", "")
        if user == await self.auth.login(api):
            return "ignored: own comment"
        perm = await api.call("GET", f"/repos/{repo}/collaborators/{user}/permission")
        if (perm or {}).get("permission") not in WRITE_PERMISSIONS:
            return f"ignored: {user} has no write access"
        number = int(issue["number"])
        if m.group(1).lower() == "fix":
            return await self._fix(api, repo, number, m.group(2).strip(), user)
        job = Job(
            repo=repo,
            number=number,
            installation=installation,
            automatic=False,
            focus=m.group(2).strip(),
        )
        return await self.review(job)

    async def _fix(self, api: Api, repo: str, number: int, what: str, user: str) -> str:
        if self.fix_handler is None:
            reply = FIX_DISABLED.format(mention=self.config.mention)
        else:
            pr = await api.call("GET", f"/repos/{repo}/pulls/{number}")
            reply = await self.fix_handler(
                FixRequest(
                    repo=repo,
                    number=number,
                    branch=pr["head"]["ref"],
                    head_sha=pr["head"]["sha"],
                    clone_url=pr["head"]["repo"]["clone_url"],
                    what=what,
                    requested_by=user,
                )
            )
        await api.call("POST", f"/repos/{repo}/issues/{number}/comments", json={"body": reply})
        return "fix: replied"

    # ------------------------------------------------------------ review

    async def review(self, job: Job) -> str:
        cfg = self.config
        api = await self.auth.api(job.installation)
        login = await self.auth.login(api)
        pr = await api.call("GET", f"/repos/{job.repo}/pulls/{job.number}")
        if pr.get("state") != "open":
            return "ignored: pull request is not open"
        if job.automatic and pr.get("draft") and not cfg.review_drafts:
            return "ignored: draft"
        head = str(pr["head"]["sha"])
        comments = await api.pages(f"/repos/{job.repo}/issues/{job.number}/comments")
        state = publish.read_state(comments, login=login)
        if job.automatic and state.head == head:
            return "ignored: head already reviewed"
        work = cfg.state_dir / "work" / f"{job.repo.replace('/', '__')}-{job.number}"
        try:
            return await self._review_in(work, api, login, job, pr, state)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    async def _review_in(
        self,
        work: Path,
        api: Api,
        login: str,
        job: Job,
        pr: dict[str, Any],
        state: publish.PrState,
    ) -> str:
        from burro.review import Range, run_review

        cfg = self.config
        head = str(pr["head"]["sha"])
        base_repo = pr["base"]["repo"]
        await workspace.checkout(
            work,
            clone_url=base_repo["clone_url"],
            base_ref=pr["base"]["ref"],
            number=job.number,
            head_sha=head,
            token=api.token,
        )
        base = await workspace.merge_base(work, f"refs/remotes/base/{pr['base']['ref']}", head)
        since = None
        if job.automatic and state.head and await workspace.is_ancestor(work, state.head, head):
            since = state.head
        target = Range(
            base=base,
            head=head,
            since=since,
            number=job.number,
            title=pr.get("title") or "",
            repo=job.repo,
            description=pr.get("body") or "",
        )
        run = await run_review(self._settings(work), target, focus=job.focus, env=os.environ)
        # Everything below only posts; the review is complete at this point.
        review_comments = await api.pages(f"/repos/{job.repo}/pulls/{job.number}/comments")
        known = state.keys | publish.posted_keys(review_comments, login=login)
        p = publish.plan(run.output, run.scope, known=known, inline_max=cfg.inline_max_priority)
        if p.inline:
            await api.call(
                "POST",
                f"/repos/{job.repo}/pulls/{job.number}/reviews",
                json=publish.review_body(p, head=head),
            )
        body, _ = publish.summary_body(
            run.output,
            p,
            state=state,
            head=head,
            since=since,
            inline_max=cfg.inline_max_priority,
        )
        if state.comment_id is not None:
            await api.call(
                "PATCH",
                f"/repos/{job.repo}/issues/comments/{state.comment_id}",
                json={"body": body},
            )
        else:
            await api.call(
                "POST", f"/repos/{job.repo}/issues/{job.number}/comments", json={"body": body}
            )
        return f"reviewed {head[:7]}: {len(p.inline)} inline, {len(p.summary)} in summary"

    def _settings(self, cwd: Path) -> Any:
        from burro.config import load_settings

        cfg = self.config
        return load_settings(
            cwd=cwd,
            env=os.environ,
            overrides=list(cfg.overrides),
            profile=cfg.profile,
            model=cfg.model,
        )


def decode(payload: bytes) -> dict[str, Any]:
    data = json.loads(payload)
    return data if isinstance(data, dict) else {}
