"""view_image: detection by magic bytes, sizes from headers, data URLs, and refusals."""

from __future__ import annotations

import base64
import json
import struct
import zlib
from pathlib import Path

import pytest

from burro.tools.base import ToolError
from burro.tools.view_image import ViewImageTool
from tests.unit.tools._helpers import make_ctx, run


def png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def jpeg(width: int, height: int) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof0 + b"\xff\xd9"


def gif(width: int, height: int) -> bytes:
    return (
        b"GIF89a"
        + struct.pack("<HHBBB", width, height, 0x80, 0, 0)
        + b"\x00\x00\x00\xff\xff\xff"
        + b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
    )


def webp_lossless(width: int, height: int) -> bytes:
    bits = (width - 1) | ((height - 1) << 14)
    payload = b"\x2f" + struct.pack("<I", bits) + b"\x00" * 8
    body = b"WEBP" + b"VP8L" + struct.pack("<I", len(payload)) + payload
    return b"RIFF" + struct.pack("<I", len(body)) + body


def webp_extended(width: int, height: int) -> bytes:
    payload = (
        b"\x00\x00\x00\x00" + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    )
    body = b"WEBP" + b"VP8X" + struct.pack("<I", len(payload)) + payload
    return b"RIFF" + struct.pack("<I", len(body)) + body


def view(cwd: Path, path: str, *, supports_images: bool = True):  # type: ignore[no-untyped-def]
    ctx, _ = make_ctx(cwd, supports_images=supports_images)
    return run(ViewImageTool().run(json.dumps({"path": path}), ctx))


@pytest.mark.parametrize(
    ("name", "data", "mime", "size"),
    [
        ("a.png", png(3, 2), "image/png", "3x2"),
        ("a.jpg", jpeg(640, 480), "image/jpeg", "640x480"),
        ("a.gif", gif(7, 5), "image/gif", "7x5"),
        ("a.webp", webp_lossless(300, 200), "image/webp", "300x200"),
        ("b.webp", webp_extended(1920, 1080), "image/webp", "1920x1080"),
        ("misnamed.txt", png(1, 1), "image/png", "1x1"),
    ],
)
def test_images_are_detected_by_content_and_attached(
    tmp_path: Path, name: str, data: bytes, mime: str, size: str
) -> None:
    (tmp_path / name).write_bytes(data)
    result = view(tmp_path, name)
    assert result.output == f"attached image {tmp_path / name} ({size})"
    assert len(result.images) == 1
    url = result.images[0].image_url
    assert url.startswith(f"data:{mime};base64,")
    assert base64.b64decode(url.split(",", 1)[1]) == data


def test_non_image_is_refused(tmp_path: Path) -> None:
    (tmp_path / "fake.png").write_text("just text")
    with pytest.raises(ToolError, match="not a PNG, JPEG, GIF or WebP image"):
        view(tmp_path, "fake.png")


def test_model_without_image_input_is_told_so(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(png(1, 1))
    with pytest.raises(ToolError, match="this model does not accept images"):
        view(tmp_path, "a.png", supports_images=False)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(ToolError, match="file not found"):
        view(tmp_path, "nope.png")
    with pytest.raises(ToolError, match="is not a file"):
        view(tmp_path, ".")


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.png"
    with big.open("wb") as f:
        f.write(png(1, 1))
        f.truncate(21 * 1024 * 1024)
    with pytest.raises(ToolError, match="the limit is 20 MiB"):
        view(tmp_path, "big.png")
