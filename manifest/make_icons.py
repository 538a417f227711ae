"""Draws the Teams app icons color.png (192×192) and outline.png (32×32); run it to regenerate them here."""

from __future__ import annotations

import struct
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ACCENT = (0x1F, 0x6F, 0x8B)  # the manifest's accentColor, #1F6F8B
WHITE = (0xFF, 0xFF, 0xFF)
COLOR_SIZE = 192
OUTLINE_SIZE = 32
# Anti-aliasing for the colour icon: each pixel is the mean of SUPERSAMPLE² sample points.
SUPERSAMPLE = 4
# Where the glyph sits on the colour icon, as fractions of its side: Teams asks for the symbol to keep clear
# of the edges (about 96–120 px of 192), with the accent colour filling the rest.
COLOR_GLYPH_LEFT = 0.22
COLOR_GLYPH_SIZE = 0.56

# The outline icon drawn pixel by pixel: at 32×32 a scaled drawing blurs, and Teams allows only white and
# transparent pixels, so there is no anti-aliasing to hide it. Two ticked items and one open box.
_TICKED_ITEM = """
...........##...................
..........##....................
.........##.....................
..##....##......##############..
...##..##.......##############..
....####........................
.....##.........................
"""
_OPEN_ITEM = """
..#######.......................
..#######.......................
..##...##.......................
..##...##.......##############..
..##...##.......##############..
..#######.......................
..#######.......................
"""
_BLANK_ROW = "." * 32
OUTLINE_ART = "\n".join(
    [
        *[_BLANK_ROW] * 3,
        *_TICKED_ITEM.split(),
        *[_BLANK_ROW] * 2,
        *_TICKED_ITEM.split(),
        *[_BLANK_ROW] * 3,
        *_OPEN_ITEM.split(),
        *[_BLANK_ROW] * 3,
    ]
)

Point = tuple[float, float]
Bounds = tuple[float, float, float, float]  # left, top, right, bottom


@dataclass(frozen=True, slots=True)
class Stroke:
    """A straight stroke with round ends; coordinates are fractions of the icon's side."""

    start: Point
    end: Point
    width: float

    def bounds(self) -> Bounds:
        (ax, ay), (bx, by), half = self.start, self.end, self.width / 2
        return min(ax, bx) - half, min(ay, by) - half, max(ax, bx) + half, max(ay, by) + half

    def covers(self, x: float, y: float) -> bool:
        (ax, ay), (bx, by) = self.start, self.end
        dx, dy = bx - ax, by - ay
        along = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
        return (x - ax - along * dx) ** 2 + (y - ay - along * dy) ** 2 <= (self.width / 2) ** 2


@dataclass(frozen=True, slots=True)
class Box:
    """The outline of an empty check box."""

    left: float
    top: float
    side: float
    width: float

    def bounds(self) -> Bounds:
        return self.left, self.top, self.left + self.side, self.top + self.side

    def covers(self, x: float, y: float) -> bool:
        right, bottom, inset = self.left + self.side, self.top + self.side, self.width
        outer = self.left <= x <= right and self.top <= y <= bottom
        inner = self.left + inset < x < right - inset and self.top + inset < y < bottom - inset
        return outer and not inner


Shape = Stroke | Box


def checklist(left: float, size: float) -> tuple[Shape, ...]:
    """The outline icon's design as shapes in the square (left, left, size): two ticks, one box, three lines."""

    def at(x: float, y: float) -> Point:
        return left + x * size, left + y * size

    stroke = 0.075 * size
    shapes: list[Shape] = []
    for middle in (0.15, 0.5, 0.85):
        shapes.append(Stroke(at(0.50, middle), at(0.98, middle), stroke))
    for middle in (0.15, 0.5):
        shapes.append(Stroke(at(0.03, middle - 0.01), at(0.13, middle + 0.1), stroke))
        shapes.append(Stroke(at(0.13, middle + 0.1), at(0.34, middle - 0.16), stroke))
    shapes.append(Box(*at(0.02, 0.85 - 0.14), 0.28 * size, stroke))
    return tuple(shapes)


def color_pixels() -> list[bytes]:
    """Rows of RGB bytes: the white checklist on the accent colour, opaque, anti-aliased."""
    shapes = checklist(COLOR_GLYPH_LEFT, COLOR_GLYPH_SIZE)
    offsets = [(i + 0.5) / SUPERSAMPLE for i in range(SUPERSAMPLE)]
    rows: list[bytes] = []
    for py in range(COLOR_SIZE):
        row = bytearray()
        for px in range(COLOR_SIZE):
            # Only shapes whose bounds touch this pixel are sampled: it keeps the script at about a second.
            near = [shape for shape in shapes if _touches(shape.bounds(), px, py)]
            hits = sum(
                1
                for oy in offsets
                for ox in offsets
                if any(shape.covers((px + ox) / COLOR_SIZE, (py + oy) / COLOR_SIZE) for shape in near)
            )
            share = hits / SUPERSAMPLE**2
            row.extend(round(a + (w - a) * share) for a, w in zip(ACCENT, WHITE, strict=True))
        rows.append(bytes(row))
    return rows


def _touches(bounds: Bounds, px: int, py: int) -> bool:
    left, top, right, bottom = (edge * COLOR_SIZE for edge in bounds)
    return left <= px + 1 and px <= right and top <= py + 1 and py <= bottom


def outline_pixels() -> list[bytes]:
    """Rows of RGBA bytes: OUTLINE_ART in opaque white on fully transparent white."""
    art = OUTLINE_ART.split()
    return [b"".join(bytes((*WHITE, 0xFF if cell == "#" else 0x00)) for cell in line) for line in art]


def png(rows: list[bytes], *, alpha: bool) -> bytes:
    """An 8-bit PNG of colour type 6 (RGBA) or 2 (RGB); every row has filter 0, compressed at level 9."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    width, height = len(rows[0]) // (4 if alpha else 3), len(rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 6 if alpha else 2, 0, 0, 0)
    raw = b"".join(b"\x00" + row for row in rows)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def main() -> int:
    for name, data in (
        ("color.png", png(color_pixels(), alpha=False)),
        ("outline.png", png(outline_pixels(), alpha=True)),
    ):
        (HERE / name).write_bytes(data)
        sys.stdout.write(f"skrev {HERE / name}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
