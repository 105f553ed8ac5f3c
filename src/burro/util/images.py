"""Recognising the image formats models accept, from a file's first bytes (never from
its name: `notes.txt` renamed `notes.png` is still text)."""

from __future__ import annotations

import base64
from pathlib import Path

SUPPORTED = "PNG, JPEG, GIF or WebP"


def sniff_mime(head: bytes) -> str | None:
    """The image MIME type from the file's first bytes, or None if not a supported image."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


class NotAnImage(ValueError):
    """A file that cannot be sent as an image; the message is one line for the user."""


def image_data_url(path: Path) -> str:
    """``data:`` URL of an image file; NotAnImage (with the reason) for anything else."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise NotAnImage(f"{path}: cannot read ({exc.strerror})") from exc
    mime = sniff_mime(data[:16])
    if mime is None:
        raise NotAnImage(f"{path}: not an image (burro sends {SUPPORTED} files)")
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"
