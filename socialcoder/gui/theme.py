"""Colours and short texts for the coding window, readable on light and dark palettes.

Colours are drawn as filled "chips" with black or white text chosen by contrast, so they do
not depend on the window background.
"""

from __future__ import annotations

from PySide6.QtGui import QColor

from socialcoder.domain.codebook import Dimension, Scale
from socialcoder.gui.themes import chip_color

#: Speaker-role colours (Okabe-Ito, mid luminance; drawn as filled labels).
ROLE_COLORS: dict[str, str] = {"therapist": "#0072b2", "patient": "#e69f00"}
FALLBACK_CHIP = "#888888"
MEMO_CHIP = "#7f7f7f"


def role_color(role: str) -> QColor:
    """The speaker's colour, with 3:1 contrast against the current theme's background."""
    return chip_color(QColor(ROLE_COLORS.get(role, FALLBACK_CHIP)))


def dimension_color(dim: Dimension | None) -> QColor:
    """The codebook's colour for ``dim``, with 3:1 contrast against the current theme's
    background (:func:`socialcoder.gui.themes.chip_color`)."""
    color = QColor(dim.color) if dim is not None and dim.color else QColor()
    return chip_color(color if color.isValid() else QColor(FALLBACK_CHIP))


def text_on(background: QColor) -> QColor:
    """Black or white, whichever contrasts more with ``background`` (WCAG luminance)."""

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    lum = (
        0.2126 * channel(background.redF())
        + 0.7152 * channel(background.greenF())
        + 0.0722 * channel(background.blueF())
    )
    contrast_black = (lum + 0.05) / 0.05
    contrast_white = 1.05 / (lum + 0.05)
    return QColor("#000000") if contrast_black >= contrast_white else QColor("#ffffff")


def chip_text(dim: Dimension | None, key: str, value: str) -> str:
    """Short chip text: ``"concordance"`` for a present binary code, ``"resistance: mild"``
    otherwise (``"concordance: absent"`` for a binary 0)."""
    if dim is None:
        return f"{key}: {value}"
    if dim.scale is Scale.BINARY:
        return key if value == "1" else f"{key}: absent"
    label = dim.label_of(value)
    if label != value and dim.scale in (Scale.INTERVAL, Scale.RATIO):
        return f"{key}: {value}"
    return f"{key}: {label}"


def format_time(seconds: float | None, *, estimated: bool = False) -> str:
    """``mm:ss`` (``h:mm:ss``); an estimated time is marked ``≈`` (never shown as measured)."""
    if seconds is None:
        return ""
    total = int(seconds)
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    text = f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"
    return f"≈{text}" if estimated else text
