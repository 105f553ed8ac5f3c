"""What `burro exec` does with its parsed options. click's command (``_exec``) and the
click-free path (``_fast``) both end here, so the two cannot drift apart."""

from __future__ import annotations

import sys
from typing import Any

from burro.cli._local import apply_oss

_IGNORED = ("thread_source", "cyber_access_program", "ignore_user_config", "ignore_rules")
_UNSUPPORTED = ("enable", "disable")


def usage_problem(args: tuple[str, ...], kw: dict[str, Any]) -> str | None:
    """Why these arguments are not a valid `burro exec` (a usage error), or None."""
    resume = bool(args) and args[0] == "resume"
    rest = list(args[1:] if resume else args)
    if resume and not kw.get("last"):
        if not rest:
            return "resume needs a SESSION_ID or --last"
        rest.pop(0)
    if len(rest) > 1:
        return f"expected one PROMPT, got {len(rest)} arguments; quote the prompt"
    return None


def run(args: tuple[str, ...], json_mode: bool, kw: dict[str, Any]) -> None:
    """Run the task and exit with its status; ``usage_problem`` was None for these."""
    from burro.frontends.exec.runner import ExecOptions, run_exec

    resume = bool(args) and args[0] == "resume"
    rest = list(args[1:] if resume else args)
    resume_id = rest.pop(0) if resume and not kw.get("last") else None
    prompt = rest[0] if rest else None
    for name in _IGNORED:
        if kw.get(name):
            _warn(f"--{name.replace('_', '-')} is accepted for compatibility and ignored")
    for name in _UNSUPPORTED:
        if kw.get(name):
            _warn(f"--{name.replace('_', '-')} is not supported yet; ignored")
    provider = apply_oss(kw)
    sandbox = kw.get("sandbox")
    if kw.get("full_auto"):
        sandbox = "workspace-write"
    if kw.get("yolo"):
        sandbox = "danger-full-access"
    opts = ExecOptions(
        prompt=prompt,
        json=json_mode,
        model=kw.get("model"),
        profile=kw.get("profile"),
        overrides=list(kw.get("overrides") or ()),
        cd=kw.get("cd"),
        skip_git_repo_check=bool(kw.get("skip_git_repo_check")),
        output_last_message=kw.get("output_last_message"),
        output_schema=kw.get("output_schema"),
        images=list(kw.get("images") or ()),
        ephemeral=bool(kw.get("ephemeral")),
        provider=provider,
        sandbox=sandbox,
        add_dirs=list(kw.get("add_dir") or ()),
        color=str(kw.get("color") or "auto"),
        resume=resume,
        resume_id=resume_id,
        resume_last=bool(kw.get("last")),
        resume_all=bool(kw.get("all_dirs")),
        max_turns=kw.get("max_turns"),
        max_tokens=kw.get("max_tokens"),
        max_minutes=kw.get("max_minutes"),
        completion_nudges=kw.get("completion_nudges"),
    )
    sys.exit(run_exec(opts))


def _warn(text: str) -> None:
    sys.stderr.write(f"warning: {text}\n")
