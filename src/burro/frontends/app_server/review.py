"""``review/start``: Codex's v2 review request, run inline on the thread as the core's
``Review`` op. The turn shows an ``enteredReviewMode`` item (what is reviewed), the
reviewer's commands and tool calls, then an ``exitedReviewMode`` item (the review)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from burro.frontends.app_server.convert import INVALID_PARAMS, RpcError
from burro.protocol.events import EnteredReviewMode, Event, ExitedReviewMode
from burro.protocol.ops import Review
from burro.protocol.review import BaseBranch, Commit, Custom, ReviewTarget, Uncommitted

if TYPE_CHECKING:
    from burro.frontends.app_server.items import Note, TurnMapper
    from burro.frontends.app_server.server import AppServer

_TYPES = "uncommittedChanges, baseBranch, commit or custom"


def _text(raw: dict[str, Any], key: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise RpcError(INVALID_PARAMS, f"review target {raw.get('type')} needs a non-empty {key}")
    return value


def target(raw: Any) -> ReviewTarget:
    """Codex's ``ReviewTarget`` (tagged camelCase) -> burro's."""
    if not isinstance(raw, dict):
        raise RpcError(INVALID_PARAMS, f"target must be an object with a type ({_TYPES})")
    kind = raw.get("type")
    if kind == "uncommittedChanges":
        return Uncommitted()
    if kind == "baseBranch":
        return BaseBranch(branch=_text(raw, "branch"))
    if kind == "commit":
        title = raw.get("title")
        return Commit(sha=_text(raw, "sha"), title=title if isinstance(title, str) else None)
    if kind == "custom":
        return Custom(instructions=_text(raw, "instructions"))
    raise RpcError(INVALID_PARAMS, f"unknown review target type {kind!r}; use {_TYPES}")


def review_notes(mapper: TurnMapper, ev: Event) -> list[Note]:
    """The two review items of a review turn (live and when a saved thread is read)."""
    if isinstance(ev, EnteredReviewMode):
        item = {"type": "enteredReviewMode", "id": f"review-{ev.turn_id}", "review": ev.hint}
        return [*mapper.start(item), *mapper.complete(item)]
    if isinstance(ev, ExitedReviewMode):
        item = {"type": "exitedReviewMode", "id": f"review-{ev.turn_id}-done", "review": ev.text}
        return [*mapper.start(item), *mapper.complete(item)]
    return []


async def review_start(server: AppServer, params: dict[str, Any]) -> dict[str, Any]:
    delivery = params.get("delivery")
    if delivery not in (None, "inline"):
        raise RpcError(
            INVALID_PARAMS,
            f"delivery {delivery!r} is not supported: burro reviews inline on the thread given",
        )
    review = Review(target=target(params.get("target")))
    turn_id = await server.begin_turn(server.idle_thread(params), review)
    return {
        "turn": {"id": turn_id, "items": [], "status": "inProgress"},
        "reviewThreadId": str(params["threadId"]),
    }
