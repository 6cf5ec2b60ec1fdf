"""Light, dark and high-contrast themes; ``system`` (the default) follows the desktop's colour
scheme (dark when the system says dark, else light).

A theme sets the application palette. Code colours come from the codebook; drawn as chips on
the theme's background they must stay distinguishable from it (WCAG 2.1 non-text contrast,
3:1): :func:`chip_color` darkens or lightens a colour, keeping its hue, until it reaches
:data:`MIN_CONTRAST` against the current theme's background. The choice is kept in QSettings
(``view/theme``, see the Settings dialog).

Every other colour a view draws with comes from the theme too (:class:`Theme`'s marks: error
and success text, muted text, status backgrounds, chart lines), never from a constant in the
view, so that each keeps its contrast in light, dark and high contrast: text colours against
the theme's ``base`` and ``window``, backgrounds with black or white text on them
(:func:`socialcoder.gui.theme.text_on`), chart lines against the chart's background (``base``).
:func:`chart_color` adjusts a series colour the way :func:`chip_color` does.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

SYSTEM, LIGHT, DARK, HIGH_CONTRAST = "system", "light", "dark", "high-contrast"
CHOICES = (SYSTEM, LIGHT, DARK, HIGH_CONTRAST)
LABELS = {
    SYSTEM: "Follow the system",
    LIGHT: "Light",
    DARK: "Dark",
    HIGH_CONTRAST: "High contrast",
}
MIN_CONTRAST = 3.0
SETTING = "view/theme"


@dataclass(frozen=True, slots=True)
class Theme:
    name: str
    window: str
    base: str  # the background chips are drawn on (lists, tables)
    alternate: str
    text: str
    button: str
    highlight: str
    highlighted_text: str
    link: str
    disabled_text: str
    marks: Marks


@dataclass(frozen=True, slots=True)
class Marks:
    """The theme's colours for what views mark: text colours (drawn on ``base`` or
    ``window``), backgrounds (with black or white text, whichever contrasts more) and chart
    lines (on ``base``)."""

    error: str  # an error message's text
    success: str  # a pass, a completed transcript
    muted: str  # secondary text (a definition, turns around the one under review)
    good_bg: str  # reliable / pass / complete
    tentative_bg: str  # tentative / not yet shown / in progress
    poor_bg: str  # not reliable / fail
    few_bg: str  # too few units
    neutral_bg: str  # not started
    settled_bg: str  # a disagreement already settled
    focal_bg: str  # the turn under review
    found_bg: str  # a de-identification candidate in its context
    point: str  # chart: estimates and their intervals
    good_line: str  # chart: the 0.8 bar
    floor_line: str  # chart: the 0.667 floor
    fit_line: str  # chart: a fitted line
    whisker: str  # chart: interval whiskers
    zero_line: str  # chart: the zero line


LIGHT_MARKS = Marks(
    error="#b00020",
    success="#1b7f3a",
    muted="#555555",
    good_bg="#cdeccd",
    tentative_bg="#fde7c2",
    poor_bg="#f7cccc",
    few_bg="#e0e0e0",
    neutral_bg="#f3f3f3",
    settled_bg="#e6e6e6",
    focal_bg="#fff4c2",
    found_bg="#ffd54f",
    point="#0072b2",
    good_line="#007a5a",
    floor_line="#c04f00",
    fit_line="#c04f00",
    whisker="#444444",
    zero_line="#6e6e6e",
)
DARK_MARKS = Marks(
    error="#ff8a80",
    success="#7bd88f",
    muted="#b4b4b4",
    good_bg="#1f4d2c",
    tentative_bg="#5c4516",
    poor_bg="#5e2424",
    few_bg="#3c3c3c",
    neutral_bg="#2c2c2c",
    settled_bg="#383838",
    focal_bg="#4d4420",
    found_bg="#7a5c00",
    point="#56b4e9",
    good_line="#3ccf9f",
    floor_line="#ff9a4d",
    fit_line="#ff9a4d",
    whisker="#c8c8c8",
    zero_line="#9a9a9a",
)
HIGH_CONTRAST_MARKS = Marks(
    error="#ff7070",
    success="#00ff7f",
    muted="#d8d8d8",
    good_bg="#004d1f",
    tentative_bg="#4d3800",
    poor_bg="#660000",
    few_bg="#2a2a2a",
    neutral_bg="#000000",
    settled_bg="#1e1e1e",
    focal_bg="#333300",
    found_bg="#806600",
    point="#00ffff",
    good_line="#00ff7f",
    floor_line="#ffa040",
    fit_line="#ffa040",
    whisker="#ffffff",
    zero_line="#c0c0c0",
)

THEMES: dict[str, Theme] = {
    LIGHT: Theme(
        name=LIGHT, window="#f3f3f3", base="#ffffff", alternate="#f5f7fa", text="#1a1a1a",
        button="#e9e9e9", highlight="#2f6fb3", highlighted_text="#ffffff", link="#0b57a4",
        disabled_text="#7a7a7a", marks=LIGHT_MARKS,
    ),
    DARK: Theme(
        name=DARK, window="#2b2b2b", base="#1e1e1e", alternate="#262a30", text="#e8e8e8",
        button="#3a3a3a", highlight="#4a8fd6", highlighted_text="#000000", link="#8ab4f8",
        disabled_text="#8c8c8c", marks=DARK_MARKS,
    ),
    HIGH_CONTRAST: Theme(
        name=HIGH_CONTRAST, window="#000000", base="#000000", alternate="#101010",
        text="#ffffff", button="#000000", highlight="#ffff00", highlighted_text="#000000",
        link="#00ffff", disabled_text="#c0c0c0", marks=HIGH_CONTRAST_MARKS,
    ),
}  # fmt: skip

#: the marks that are backgrounds (the rest are text or line colours)
BACKGROUNDS = ("good_bg", "tentative_bg", "poor_bg", "few_bg", "neutral_bg", "settled_bg",
               "focal_bg", "found_bg")  # fmt: skip


def marks() -> Marks:
    """The current theme's marks (see :class:`Marks`)."""
    return _current.marks


_current: Theme = THEMES[LIGHT]


def current() -> Theme:
    return _current


def system_scheme() -> str:
    """LIGHT or DARK, as the desktop says (light when it does not say)."""
    hints = QGuiApplication.styleHints()
    if hints is not None and hints.colorScheme() == Qt.ColorScheme.Dark:
        return DARK
    return LIGHT


def resolve(choice: str) -> Theme:
    if choice not in CHOICES:
        choice = SYSTEM
    return THEMES[system_scheme() if choice == SYSTEM else choice]


def palette(theme: Theme) -> QPalette:
    p = QPalette()
    roles = QPalette.ColorRole
    for role, color in (
        (roles.Window, theme.window),
        (roles.WindowText, theme.text),
        (roles.Base, theme.base),
        (roles.AlternateBase, theme.alternate),
        (roles.Text, theme.text),
        (roles.Button, theme.button),
        (roles.ButtonText, theme.text),
        (roles.ToolTipBase, theme.base),
        (roles.ToolTipText, theme.text),
        (roles.PlaceholderText, theme.disabled_text),
        (roles.Highlight, theme.highlight),
        (roles.HighlightedText, theme.highlighted_text),
        (roles.Link, theme.link),
        (roles.BrightText, theme.text),
    ):
        p.setColor(role, QColor(color))
    for role in (roles.Text, roles.WindowText, roles.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(theme.disabled_text))
    return p


def apply_theme(choice: str, app: QApplication | None = None) -> Theme:
    """Set the application palette for ``choice`` (one of :data:`CHOICES`); returns the theme."""
    global _current
    theme = resolve(choice)
    _current = theme
    target = app or QApplication.instance()  # a QCoreApplication in a headless process
    if isinstance(target, QApplication):
        target.setPalette(palette(theme))
    return theme


def apply_saved(settings: QSettings) -> Theme:
    return apply_theme(str(settings.value(SETTING, SYSTEM) or SYSTEM))


# --- contrast (WCAG 2.1) ---------------------------------------------------------------------


def luminance(color: QColor) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(color.redF())
        + 0.7152 * channel(color.greenF())
        + 0.0722 * channel(color.blueF())
    )


def contrast(a: QColor, b: QColor) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def chip_color(color: QColor, theme: Theme | None = None) -> QColor:
    """``color``, darkened (on a light background) or lightened (on a dark one) in steps of
    lightness, hue kept, until it has :data:`MIN_CONTRAST` against the theme's background."""
    background = QColor((theme or _current).base)
    if contrast(color, background) >= MIN_CONTRAST:
        return QColor(color)
    h, s, lightness, a = (
        color.hslHueF(),
        color.hslSaturationF(),
        color.lightnessF(),
        color.alphaF(),
    )
    darker = luminance(background) > 0.5
    for step in range(1, 101):
        lig = max(0.0, lightness - step / 100) if darker else min(1.0, lightness + step / 100)
        candidate = QColor(QColor.fromHslF(max(h, 0.0), s, lig, a).name())  # 8-bit, as drawn
        if contrast(candidate, background) >= MIN_CONTRAST:
            return candidate
    return QColor("#000000" if darker else "#ffffff")


def chart_color(color: str, theme: Theme | None = None) -> str:
    """A chart series' colour with 3:1 contrast against the chart's background (the theme's
    ``base``; see :func:`chip_color`), as '#rrggbb'."""
    return chip_color(QColor(color), theme).name()
