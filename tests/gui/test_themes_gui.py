"""Themes (issue #18): light, dark and high contrast, following the system by default; every
code colour (and speaker colour) keeps 3:1 contrast against the background in each, checked
with a WCAG 2.1 contrast ratio computed here from the hex colours, independently of the
application's own computation."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from socialcoder.codebooks import load_default_codebook
from socialcoder.gui import themes
from socialcoder.gui.theme import MEMO_CHIP, ROLE_COLORS, dimension_color, role_color
from socialcoder.gui.themes import chip_color

CODEBOOK = Path(themes.__file__).parents[1] / "resources" / "socialization_to_model.yaml"


def wcag_ratio(a: str, b: str) -> float:
    """WCAG 2.1 contrast ratio of two '#rrggbb' colours."""

    def lum(hex_: str) -> float:
        rgb = [int(hex_[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_reference_values() -> None:
    assert wcag_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert wcag_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # known value


def codebook_colors() -> list[str]:
    data = yaml.safe_load(CODEBOOK.read_text(encoding="utf-8"))
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "color" and isinstance(v, str):
                    found.append(v)
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(data)
    return found


@pytest.mark.parametrize("name", [themes.LIGHT, themes.DARK, themes.HIGH_CONTRAST])
def test_code_colours_keep_3_to_1_in_every_theme(qapp, name: str) -> None:
    colors = codebook_colors()
    assert len(colors) >= 4
    # colours a codebook might well choose, light and dark ones included
    colors += ["#ffff00", "#f0e442", "#56b4e9", "#000080", "#222222", "#eeeeee"]
    colors += [*ROLE_COLORS.values(), MEMO_CHIP]
    theme = themes.apply_theme(name)
    assert theme.name == name
    background = QApplication.palette().color(QPalette.ColorRole.Base).name()
    assert background == theme.base
    for color in colors:
        from PySide6.QtGui import QColor

        shown = chip_color(QColor(color)).name()
        assert wcag_ratio(shown, background) >= 3.0, (name, color, shown)
        if wcag_ratio(color, background) >= 3.0:
            assert shown == color.lower()  # a colour that is fine already is left alone
    for role in ROLE_COLORS:
        assert wcag_ratio(role_color(role).name(), background) >= 3.0
    book = load_default_codebook()
    assert book.dimensions
    for dim in book.dimensions:  # what the window draws for each dimension
        assert wcag_ratio(dimension_color(dim).name(), background) >= 3.0
    # the text keeps a readable contrast too (4.5:1 for body text)
    assert wcag_ratio(theme.text, theme.base) >= 4.5
    assert wcag_ratio(theme.highlighted_text, theme.highlight) >= 4.5
    themes.apply_theme(themes.LIGHT)


def test_system_is_the_default_and_follows_the_scheme(qapp, monkeypatch) -> None:
    from PySide6.QtCore import QSettings

    settings = QSettings()
    settings.remove(themes.SETTING)
    monkeypatch.setattr(themes, "system_scheme", lambda: themes.DARK)
    assert themes.apply_saved(settings).name == themes.DARK
    monkeypatch.setattr(themes, "system_scheme", lambda: themes.LIGHT)
    assert themes.apply_saved(settings).name == themes.LIGHT
    settings.setValue(themes.SETTING, themes.HIGH_CONTRAST)
    assert themes.apply_saved(settings).name == themes.HIGH_CONTRAST
    settings.setValue(themes.SETTING, "purple")  # an unknown value: the system's
    assert themes.apply_saved(settings).name == themes.LIGHT
    themes.apply_theme(themes.LIGHT)
