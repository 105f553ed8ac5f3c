"""`@burro fix <what>`: hand the work to burro's task server (`burro serve`) over its
HTTP API. The task starts from the pull request's head commit; its result is a diff the
author brings in with `burro cloud apply ID`."""

from __future__ import annotations

from burro.frontends.github.bot import FixHandler, FixRequest
from burro.frontends.github.client import GitHubError

FIX_PROMPT = (
    "A reviewer of pull request #{number} on {repo} (branch {branch}) asked: {what}\n\n"
    "Make that change on this checkout, keep it minimal, and run the relevant tests."
)


def task_server_fix(server_url: str, token: str) -> FixHandler:
    """A FixHandler that creates a background task on ``server_url``."""
    base = server_url.rstrip("/")

    async def start(req: FixRequest) -> str:
        import httpx

        body = {
            "prompt": FIX_PROMPT.format(
                number=req.number, repo=req.repo, branch=req.branch, what=req.what or "fix it"
            ),
            "repo": req.clone_url,
            "base": req.head_sha,
        }
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
        task_id = resp.json()["id"]
        return (
            f"Started background task `{task_id}` for: {req.what or 'fix it'} "
            f"(requested by @{req.requested_by}). Follow it in burro's web UI; bring the "
            f"result into your checkout with `burro cloud apply {task_id}`."
        )

    return start
