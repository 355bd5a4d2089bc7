"""Draw the Teams app icons (two linked rings, a tandem) with nothing but zlib and struct.

Teams wants a 192x192 full-colour icon and a 32x32 outline icon that is white on a
transparent background. Run `python adapters/teams/icons/make_icons.py` to redraw them;
the PNG files are committed so packaging needs no drawing library.
"""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

ACCENT = (0x2E, 0x7D, 0x6B)
WHITE = (0xFF, 0xFF, 0xFF)
SUPERSAMPLE = 4


def png_bytes(width: int, height: int, rgba_rows: list[bytes]) -> bytes:
    """An 8-bit RGBA PNG; each row is width*4 bytes."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    raw = b"".join(b"\x00" + row for row in rgba_rows)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def _ring_coverage(size: int, x: int, y: int, centres, radius: float, stroke: float) -> float:
    """Share of the pixel's sub-samples that fall on either ring's stroke."""
    hits = 0
    for sy in range(SUPERSAMPLE):
        for sx in range(SUPERSAMPLE):
            px = x + (sx + 0.5) / SUPERSAMPLE
            py = y + (sy + 0.5) / SUPERSAMPLE
            if any(abs(math.hypot(px - cx, py - cy) - radius) <= stroke / 2 for cx, cy in centres):
                hits += 1
    return hits / SUPERSAMPLE**2


def rings_icon(size: int, background: tuple[int, int, int] | None) -> bytes:
    """Two linked white rings; on `background`, or on transparency when it is None."""
    # The colour icon keeps its symbol inside Teams' central safe area; the outline fills it.
    scale = 0.62 if background else 0.88
    radius = size * scale * 0.3
    offset = size * scale * 0.2
    stroke = max(size * scale * 0.09, 2.0)
    centres = ((size / 2 - offset, size / 2), (size / 2 + offset, size / 2))
    rows = []
    for y in range(size):
        row = bytearray()
        for x in range(size):
            cover = _ring_coverage(size, x, y, centres, radius, stroke)
            if background is None:
                row += bytes((*WHITE, round(255 * cover)))
            else:
                mixed = (round(b + (w - b) * cover) for b, w in zip(background, WHITE, strict=True))
                row += bytes((*mixed, 255))
        rows.append(bytes(row))
    return png_bytes(size, size, rows)


def main() -> None:
    here = Path(__file__).resolve().parent
    (here / "color.png").write_bytes(rings_icon(192, ACCENT))
    (here / "outline.png").write_bytes(rings_icon(32, None))


if __name__ == "__main__":
    main()
