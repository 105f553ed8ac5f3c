"""The ``view_image`` tool: attach a local PNG/JPEG/GIF/WebP image for the model to see."""

from __future__ import annotations

import base64
from pathlib import Path

from burro.protocol.items import ImagePart
from burro.protocol.tools import ToolSpec
from burro.tools import _data
from burro.tools._args import Args, resolve_path
from burro.tools._bounded import DEFAULT_IO_TIMEOUT_S, call_bounded
from burro.tools.base import ToolBase, ToolContext, ToolError, ToolResult
from burro.util.images import sniff_mime

MAX_IMAGE_BYTES = 20 * 1024 * 1024
_EXAMPLE = '{"path": "screenshots/login.png"}'
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _be16(data: bytes, at: int) -> int:
    return int.from_bytes(data[at : at + 2], "big")


def _le(data: bytes, at: int, size: int) -> int:
    return int.from_bytes(data[at : at + size], "little")


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i = 2
    n = len(data)
    while i + 9 < n:
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0x01, *range(0xD0, 0xDA)):
            i += 2
            continue
        if marker in _JPEG_SOF:
            return _be16(data, i + 7), _be16(data, i + 5)
        i += 2 + _be16(data, i + 2)
    return None


def image_size(data: bytes, mime: str) -> tuple[int, int] | None:
    """``(width, height)`` read from the header, or None when it cannot be read cheaply."""
    try:
        if mime == "image/png" and data[12:16] == b"IHDR":
            return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        if mime == "image/gif":
            return _le(data, 6, 2), _le(data, 8, 2)
        if mime == "image/jpeg":
            return _jpeg_size(data)
        if mime == "image/webp":
            chunk = data[12:16]
            if chunk == b"VP8 " and data[23:26] == b"\x9d\x01\x2a":
                return _le(data, 26, 2) & 0x3FFF, _le(data, 28, 2) & 0x3FFF
            if chunk == b"VP8L" and data[20] == 0x2F:
                bits = _le(data, 21, 4)
                return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
            if chunk == b"VP8X":
                return 1 + _le(data, 24, 3), 1 + _le(data, 27, 3)
    except IndexError:
        return None
    return None


def load_image(path: Path) -> tuple[str, bytes, tuple[int, int] | None]:
    if not path.exists():
        raise ToolError(f"view_image: file not found: {path}")
    if not path.is_file():
        raise ToolError(f"view_image: {path} is not a file")
    size = path.stat().st_size
    if size > MAX_IMAGE_BYTES:
        raise ToolError(
            f"view_image: {path} is {size // (1024 * 1024)} MiB; the limit is "
            f"{MAX_IMAGE_BYTES // (1024 * 1024)} MiB"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ToolError(f"view_image: cannot read {path}: {exc.strerror or exc}") from None
    mime = sniff_mime(data[:16])
    if mime is None:
        raise ToolError(f"view_image: {path} is not a PNG, JPEG, GIF or WebP image")
    return mime, data, image_size(data, mime)


class ViewImageTool(ToolBase):
    name = "view_image"
    parallel_safe = True

    def __init__(self, *, io_timeout_s: float = DEFAULT_IO_TIMEOUT_S) -> None:
        self._io_timeout_s = io_timeout_s

    def spec(self, *, freeform: bool) -> ToolSpec:
        return _data.function_spec(self.name)

    async def run(self, payload: str, ctx: ToolContext) -> ToolResult:
        args = Args(self.name, payload, example=_EXAMPLE)
        path = resolve_path(ctx.cwd, args.required_str("path"))
        if not ctx.supports_images:
            raise ToolError(
                "view_image: this model does not accept images; describe what you need "
                "from the file another way (e.g. read its metadata with the shell)"
            )
        mime, data, dims = await call_bounded(
            lambda: load_image(path),
            timeout_s=self._io_timeout_s,
            what=f"view_image: reading {path}",
        )
        url = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
        note = f" ({dims[0]}x{dims[1]})" if dims else ""
        return ToolResult(output=f"attached image {path}{note}", images=[ImagePart(image_url=url)])
