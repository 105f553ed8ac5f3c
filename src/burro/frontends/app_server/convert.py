"""Codex app-server v2 shapes <-> burro values: thread objects, turn input, settings."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from burro import __version__
from burro.protocol.items import ContentPart, ImagePart, TextPart
from burro.protocol.ops import OverrideTurnContext

if TYPE_CHECKING:
    from burro.core.api import SessionInfo

# JSON-RPC error codes (Codex uses the standard ones).
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL = -32603

SANDBOX = {
    "read-only": "readOnly",
    "workspace-write": "workspaceWrite",
    "danger-full-access": "dangerFullAccess",
}
_SANDBOX_BACK = {v: k for k, v in SANDBOX.items()}


class RpcError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


APPROVALS = ("untrusted", "on-failure", "on-request", "never")


def choice(value: Any, name: str, allowed: tuple[str, ...]) -> str | None:
    """A string setting from the client, checked; None (burro's config decides) when
    absent or in a form burro has no equivalent for (Codex's granular approvals)."""
    if value is None or isinstance(value, dict):
        return None
    if value not in allowed:
        raise RpcError(INVALID_PARAMS, f"{name} {value!r}: use one of {', '.join(allowed)}")
    return str(value)


def approval_json(policy: str) -> str:
    # Codex v2 has no on-failure; it is closest to on-request.
    return "on-request" if policy == "on-failure" else policy


def override(params: dict[str, Any]) -> OverrideTurnContext | None:
    approval = choice(params.get("approvalPolicy"), "approvalPolicy", APPROVALS)
    sandbox = params.get("sandboxPolicy")
    kw: dict[str, Any] = {}
    if params.get("model"):
        kw["model"] = params["model"]
    if params.get("effort"):
        kw["effort"] = params["effort"]
    if approval is not None:
        kw["approval_policy"] = approval
    if isinstance(sandbox, dict) and sandbox.get("type") in _SANDBOX_BACK:
        kw["sandbox_mode"] = _SANDBOX_BACK[sandbox["type"]]
    return OverrideTurnContext(**kw) if kw else None


def input_parts(items: list[Any]) -> list[ContentPart]:
    import base64
    import mimetypes

    parts: list[ContentPart] = []
    for item in items:
        kind = item.get("type") if isinstance(item, dict) else None
        if kind == "text":
            parts.append(TextPart(text=str(item.get("text", ""))))
        elif kind == "image" and item.get("url"):
            parts.append(ImagePart(image_url=str(item["url"])))
        elif kind == "localImage":
            path = Path(str(item.get("path")))
            mime = mimetypes.guess_type(path.name)[0] or "image/png"
            try:
                data = base64.b64encode(path.read_bytes()).decode()
            except OSError as exc:
                raise RpcError(INVALID_PARAMS, f"cannot read image {path}: {exc.strerror}") from exc
            parts.append(ImagePart(image_url=f"data:{mime};base64,{data}"))
        elif kind in ("mention", "skill"):
            parts.append(TextPart(text=f"[@{item.get('name')}]({item.get('path')})"))
    return parts


def thread_json(
    thread_id: str,
    *,
    cwd: str,
    provider: str,
    model: str | None,
    created: int,
    preview: str,
    ephemeral: bool,
    path: str | None,
    status: dict[str, Any],
    updated: int | None = None,
) -> dict[str, Any]:
    return {
        "id": thread_id,
        "sessionId": thread_id,
        "cliVersion": __version__,
        "createdAt": created,
        "updatedAt": updated or created,
        "cwd": cwd,
        "ephemeral": ephemeral,
        "modelProvider": provider,
        "model": model,
        "preview": preview,
        "projectId": None,
        "path": path,
        "source": "appServer",
        "status": status,
        "turns": [],
    }


def info_json(s: SessionInfo) -> dict[str, Any]:
    from datetime import datetime

    try:
        created = int(datetime.fromisoformat(s.started_at.replace("Z", "+00:00")).timestamp())
    except ValueError:
        created = int(s.modified)
    thread = thread_json(
        s.id,
        cwd=s.cwd,
        provider="",
        model=s.model,
        created=created,
        updated=int(s.modified),
        preview=s.first_prompt,
        ephemeral=False,
        path=s.path,
        status={"type": "notLoaded"},
    )
    thread["forkedFromId"] = s.forked_from
    return thread
