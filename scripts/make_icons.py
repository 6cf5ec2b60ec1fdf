"""Render SocialCoder's icon (socialcoder/resources/icons/socialcoder.svg) to the PNG sizes of
the freedesktop icon theme, plus the .ico (Windows) and .icns (macOS) that the bundle builds
use (in packaging/: the wheel does not need them). The outputs are committed; run this again after changing the SVG:

    python scripts/make_icons.py
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parents[1]
ICONS = ROOT / "socialcoder" / "resources" / "icons"
PACKAGING = ROOT / "packaging"  # only the bundle builds need these
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def main() -> int:
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(ICONS / "socialcoder.svg"))
    if not renderer.isValid():
        print("the SVG does not render", file=sys.stderr)
        return 1
    for size in SIZES:
        out = ICONS / f"socialcoder-{size}.png"
        if not render(renderer, size).save(str(out)):
            print(f"could not write {out}", file=sys.stderr)
            return 1
    for name, size in (("socialcoder.ico", 256), ("socialcoder.icns", 512)):
        if not render(renderer, size).save(str(PACKAGING / name)):
            print(f"could not write {name}", file=sys.stderr)
            return 1
    print(f"wrote {len(SIZES)} PNG sizes to {ICONS}, socialcoder.ico and .icns to {PACKAGING}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
