"""An MCP ``CallToolResult`` as the model reads it."""

from __future__ import annotations

import json
from typing import Any

from burro.protocol.items import ImagePart
from burro.tools.base import ToolResult
from burro.util.truncate import truncate_middle


def convert(result: Any, *, supports_images: bool, limit: int) -> ToolResult:
    """The text of each content block (images attached when the model accepts them);
    the structured content as JSON when the server gave no content blocks (servers send
    both, the text being the same JSON or a readable form of it); ``isError`` fails it."""
    texts: list[str] = []
    images: list[ImagePart] = []
    for block in result.content or []:
        kind = getattr(block, "type", "")
        if kind == "text":
            texts.append(block.text)
        elif kind == "image":
            if supports_images:
                images.append(ImagePart(image_url=f"data:{block.mime_type};base64,{block.data}"))
                texts.append(f"[image {block.mime_type} attached]")
            else:
                texts.append(
                    f"[image {block.mime_type} omitted: this model does not accept images]"
                )
        elif kind == "resource":
            inner = block.resource
            text = getattr(inner, "text", None)
            texts.append(text if text is not None else f"[binary resource {inner.uri}]")
        elif kind == "resource_link":
            texts.append(f"[resource {block.uri}" + (f": {block.name}]" if block.name else "]"))
        else:
            texts.append(f"[{kind or 'unknown'} content omitted]")
    structured = getattr(result, "structured_content", None)
    full = (
        json.dumps(structured, ensure_ascii=False, separators=(",", ":"))
        if structured is not None and not texts
        else "\n".join(texts)
    )
    if not full and not images:
        full = "(no output)"
    shown, cut = truncate_middle(full, max_bytes=limit)
    failed = bool(getattr(result, "is_error", False))
    return ToolResult(
        output=shown,
        success=not failed,
        images=images,
        status="failed" if failed else "completed",
        full_output=full if cut else None,
    )
