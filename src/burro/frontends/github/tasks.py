"""`@burro fix <what>`: a background task on the pull request's head commit, whose result
is a diff the author brings in with `burro cloud apply ID`. The task is created by
`burro serve` itself when it runs the bot, or over the task server's HTTP API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from burro.frontends.github.bot import FixHandler, FixRequest
from burro.frontends.github.client import GitHubError

FIX_PROMPT = (
    "A reviewer of pull request #{number} on {repo} (branch {branch}) asked: {what}\n\n"
    "Make that change on this checkout, keep it minimal, and run the relevant tests."
)
FIX_REPLY = (
    "Started background task `{task_id}` for: {what} (requested by @{who}). Follow it in "
    "burro's web UI; bring the result into your checkout with `burro cloud apply {task_id}`."
)

# (prompt, repository to clone, commit to start from) -> the new task's id.
TaskCreator = Callable[[str, str, str], Awaitable[str]]


def fix_handler(create: TaskCreator) -> FixHandler:
    """A FixHandler that starts a task with ``create`` and says where to follow it."""

    async def start(req: FixRequest) -> str:
        what = req.what or "fix it"
        prompt = FIX_PROMPT.format(number=req.number, repo=req.repo, branch=req.branch, what=what)
        task_id = await create(prompt, req.clone_url, req.head_sha)
        return FIX_REPLY.format(task_id=task_id, what=what, who=req.requested_by)

    return start


def task_server_fix(server_url: str, token: str) -> FixHandler:
    """A FixHandler that creates the task on the task server at ``server_url``."""
    base = server_url.rstrip("/")

    async def create(prompt: str, repo: str, commit: str) -> str:
        import httpx

        body = {"prompt": prompt, "repo": repo, "base": commit}
        try:
            async with httpx.AsyncClient(timeout=30) as http:
                resp = await http.post(
                    f"{base}/api/tasks", json=body, headers={"authorization": f"Bearer {token}"}
                )
        except httpx.HTTPError as exc:
            raise GitHubError(
                f"the task server at {base} is unreachable: {exc}", retryable=True
            ) from exc
        if resp.status_code != 201:
            raise GitHubError(
                f"the task server refused the task: HTTP {resp.status_code} {resp.text[:200]}",
                retryable=resp.status_code >= 500,
            )
        return str(resp.json()["id"])

    return fix_handler(create)
