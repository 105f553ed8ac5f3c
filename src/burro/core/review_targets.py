"""What a review looks at (uncommitted work, a branch against its base, a commit, a pull
request range, free-form instructions), the user message that starts it, and the diff its
findings must lie in."""

from __future__ import annotations

import subprocess
import tomllib
from functools import cache
from pathlib import Path

from burro.protocol.errors import BurroError
from burro.protocol.review import (
    BaseBranch,
    Commit,
    Custom,
    Range,
    ReviewTarget,
    Uncommitted,
)


class ReviewTargetError(BurroError):
    """A target that cannot be reviewed (unknown branch or commit, not a repository)."""

    code = "bad_request"


@cache
def _templates() -> dict[str, str]:
    from burro.core.context import data_text

    text = data_text("review_targets.toml")
    return {k: str(v) for k, v in tomllib.loads(text).items()}


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        errors="surrogateescape",
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )


def _checked(cwd: Path, *args: str, what: str) -> str:
    out = _git(cwd, *args)
    if out.returncode != 0:
        detail = " ".join(out.stderr.split())[:200]
        raise ReviewTargetError(f"{what}: {detail or 'git failed'}")
    return out.stdout


def resolve_commit(cwd: Path, ref: str) -> str:
    return _checked(
        cwd, "rev-parse", "--verify", "-q", f"{ref}^{{commit}}", what=f"no commit {ref!r} here"
    ).strip()


def merge_base(cwd: Path, branch: str) -> str:
    resolve_commit(cwd, branch)
    return _checked(
        cwd, "merge-base", "HEAD", branch, what=f"no merge base with {branch!r}"
    ).strip()


def describe(target: ReviewTarget) -> str:
    """The short hint a user sees: what is being reviewed."""
    match target:
        case Uncommitted():
            return "current changes"
        case BaseBranch(branch=branch):
            return f"changes against '{branch}'"
        case Commit(sha=sha, title=title):
            return f"commit {sha[:7]}" + (f": {title}" if title else "")
        case Range(number=number, since=since, head=head):
            return f"pull request #{number}" + (f" ({since[:7]}..{head[:7]})" if since else "")
        case Custom(instructions=instructions):
            first = instructions.strip().splitlines()[0] if instructions.strip() else ""
            return first[:80] or "custom review"
    raise AssertionError(target)


def check_target(target: ReviewTarget) -> None:
    """Refuse a target that cannot start a review (before anything runs)."""
    if isinstance(target, Custom) and not target.instructions.strip():
        raise ReviewTargetError("the review instructions are empty; say what to review")


def user_prompt(target: ReviewTarget, cwd: Path, *, focus: str = "", guidelines: str = "") -> str:
    t = _templates()
    match target:
        case Uncommitted():
            text = t["uncommitted"]
        case BaseBranch(branch=branch):
            text = t["base_branch"].format(branch=branch, merge_base=merge_base(cwd, branch))
        case Commit(sha=sha, title=title):
            text = t["commit"].format(sha=sha, title_part=f' ("{title}")' if title else "")
        case Range():
            desc = target.description.strip()
            text = t["pull_request"].format(
                number=target.number,
                title=target.title,
                repo=target.repo,
                head=target.head,
                base=target.since or target.base,
                new_only=t["pull_request_new_only"] if target.since else "",
                description=f"\n\nThe author's description:\n{desc[:4000]}" if desc else "",
            )
        case Custom(instructions=instructions):
            text = instructions.strip()
    if focus.strip():
        text += t["focus"].format(focus=focus.strip())
    if guidelines.strip():
        text += t["guidelines"].format(guidelines=guidelines.strip())
    return text


def target_diff(target: ReviewTarget, cwd: Path) -> str:
    """The unified diff of the change under review (new side = what findings point at)."""
    from burro.core.git import GitError, workspace_diff

    try:
        match target:
            case Uncommitted():
                return workspace_diff(cwd)
            case Custom():
                return ""  # free-form: no diff bounds the findings
            case BaseBranch(branch=branch):
                return workspace_diff(cwd, base=merge_base(cwd, branch))
            case Commit(sha=sha):
                resolve_commit(cwd, sha)
                return _checked(
                    cwd, "show", "--format=", "--no-color", "--no-ext-diff", sha, what="git show"
                )
            case Range():
                start = target.since or target.base
                return _checked(
                    cwd,
                    "diff",
                    "--no-color",
                    "--no-ext-diff",
                    f"{start}..{target.head}",
                    what="git diff",
                )
    except GitError as exc:
        raise ReviewTargetError(str(exc)) from exc
    raise AssertionError(target)
