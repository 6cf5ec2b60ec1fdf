"""Contrast of the lead's views (issue #18): every colour they draw with comes from the theme
and keeps its contrast in light, dark and high contrast (WCAG 2.1 ratios computed here from the
hex colours, independently of the application: text 4.5:1, lines and marks 3:1); the views
and the coding window's codebook take a new theme at once."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QTableWidgetItem

from socialcoder.gui import themes
from socialcoder.gui.lead import charts
from socialcoder.gui.lead.rule_dialog import RuleDialog
from socialcoder.gui.lead.tables import Cell, fill, make_table
from socialcoder.gui.main_window import MainWindow
from socialcoder.gui.settings_dialog import SettingsDialog

LEAD_VIEWS = Path(charts.__file__).parent
THEMES = (themes.LIGHT, themes.DARK, themes.HIGH_CONTRAST)
TEXT_MARKS = ("error", "success", "muted")


def wcag_ratio(a: str, b: str) -> float:
    """WCAG 2.1 contrast ratio of two '#rrggbb' colours: (L1 + 0.05) / (L2 + 0.05), L the
    relative luminance of the linearised sRGB channels (0.2126 R + 0.7152 G + 0.0722 B)."""

    def lum(hex_: str) -> float:
        rgb = [int(hex_[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_reference_ratios() -> None:
    assert wcag_ratio("#ffffff", "#000000") == pytest.approx(21.0)
    assert wcag_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # WebAIM's value
    assert wcag_ratio("#b00020", "#2b2b2b") < 3.0  # the old error red on the dark theme


def test_the_lead_views_hold_no_colour_of_their_own() -> None:
    """Every colour comes from the theme: the only literals left are the drift chart's series
    palette (adjusted by themes.chart_color, checked below) and the saved HTML report's own
    page style (a white page of its own)."""
    found = {}
    for path in sorted(LEAD_VIEWS.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        if path.name == "report.py":
            text = re.sub(r'STYLE = """.*?"""', "", text, flags=re.DOTALL)
        hexes = re.findall(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b", text)
        named = re.findall(r"GlobalColor\.\w+|color:\s*(?:white|black|gr[ae]y)", text)
        if path.name == "charts.py":
            hexes = [h for h in hexes if h not in charts.LINE_COLORS]
        if hexes or named:
            found[path.name] = hexes + named
    assert found == {}


@pytest.mark.parametrize("name", THEMES)
def test_every_mark_keeps_its_contrast(qapp, name: str) -> None:
    theme = themes.apply_theme(name)
    try:
        marks = theme.marks
        palette = QApplication.palette()
        base = palette.color(QPalette.ColorRole.Base).name()
        window = palette.color(QPalette.ColorRole.Window).name()
        assert (base, window) == (theme.base, theme.window)
        table = make_table(["state"], "probe")
        for field in fields(marks):
            color = getattr(marks, field.name)
            if field.name in themes.BACKGROUNDS:  # a cell: the text fill() puts on it
                fill(table, [[Cell("complete", background=field.name)]])
                item: QTableWidgetItem = table.item(0, 0)
                assert item.background().color().name() == color
                text = item.foreground().color().name()
                assert wcag_ratio(text, color) >= 4.5, (name, field.name, color, text)
            elif field.name in TEXT_MARKS:  # text on a label (window) or a table (base)
                for ground in (base, window):
                    assert wcag_ratio(color, ground) >= 4.5, (name, field.name, color, ground)
            else:  # a chart line or dot, on the chart's background (base)
                assert wcag_ratio(color, base) >= 3.0, (name, field.name, color)
        for color in charts.LINE_COLORS:
            shown = themes.chart_color(color)
            assert wcag_ratio(shown, base) >= 3.0, (name, color, shown)
    finally:
        themes.apply_theme(themes.LIGHT)


def choose_theme(qtbot, window: MainWindow, answer, name: str) -> None:
    """Pick ``name`` in the Settings dialog (Ctrl+Alt+S), keys and clicks only."""

    def choose(dialog: SettingsDialog) -> None:
        dialog.theme.setFocus()
        while dialog.theme.currentData() != name:
            qtbot.keyClick(dialog.theme, Qt.Key.Key_Down)
        ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)

    seen = answer(SettingsDialog, choose)
    focus = QApplication.focusWidget() or window
    qtbot.keyClick(
        focus, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
    )
    qtbot.waitUntil(lambda: bool(seen), timeout=3000)
    qtbot.waitUntil(lambda: themes.current().name == name, timeout=3000)


def test_the_lead_views_in_the_dark_theme(qtbot, lead_window: MainWindow, answer) -> None:
    """Switched to dark from the Settings dialog: the progress grid's cells, the rule
    dialog's error line and the dashboard's chart are drawn in the dark theme's colours and
    keep their contrast (before, an error was #b00020 on #2b2b2b: 1.9:1)."""
    window = lead_window
    lead = window.lead
    assert lead is not None
    try:
        choose_theme(qtbot, window, answer, themes.DARK)
        dark = themes.THEMES[themes.DARK]
        grid = lead.assignments.grid
        coloured = [
            grid.item(r, c)
            for r in range(grid.rowCount())
            for c in range(grid.columnCount())
            if grid.item(r, c) is not None
            and grid.item(r, c).background().style() != Qt.BrushStyle.NoBrush
        ]
        assert coloured  # the demo's coders are assigned: status cells
        for item in coloured:
            bg, fg = item.background().color().name(), item.foreground().color().name()
            assert bg in {dark.marks.good_bg, dark.marks.tentative_bg, dark.marks.neutral_bg}
            assert wcag_ratio(fg, bg) >= 4.5
        errors: list[str] = []

        def fail(dialog: RuleDialog) -> None:
            for box in dialog.boxes:  # no coder chosen: the preview says why, in red
                if box.isChecked():
                    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
            qtbot.mouseClick(dialog.preview_button, Qt.MouseButton.LeftButton)
            errors.append(dialog.summary.text())
            errors.append(dialog.palette().color(QPalette.ColorRole.Window).name())
            dialog.reject()

        answer(RuleDialog, fail)
        lead.assignments.assign_by_rule()
        html, ground = errors
        color = re.search(r"color:\s*(#[0-9a-fA-F]{6})", html)
        assert color is not None, html
        assert ground == dark.window
        assert wcag_ratio(color.group(1), ground) >= 4.5, (color.group(1), ground)
        # the dashboard's charts on the dark background, every series readable on it
        lead.show_page("dashboard")
        dash = lead.dashboard
        dash.bootstrap.setValue(50)
        dash.wait()
        qtbot.waitUntil(lambda: dash.job is None, timeout=20_000)
        with qtbot.waitSignal(dash.computed, timeout=20_000):
            qtbot.mouseClick(dash.compute_button, Qt.MouseButton.LeftButton)
        from matplotlib.colors import to_hex

        from socialcoder.export.reliability_charts import series_colors

        for canvas in (dash.alpha_chart, dash.drift_chart):
            figure = canvas.figure
            assert to_hex(figure.get_facecolor()) == dark.base
            title = figure.axes[0].title
            assert wcag_ratio(to_hex(title.get_color()), dark.base) >= 4.5
            colours = series_colors(figure)
            assert colours
            for color_name in colours:
                assert wcag_ratio(color_name, dark.base) >= 3.0, color_name
        # the analysis view's charts too: dots, fitted line, whiskers and the zero line
        analysis = lead.analysis
        analysis.scatter.show_points([1.0, 2.0, 3.0], [2.0, 2.5, 4.0], "x", "y")
        analysis.effects.show_effects([("predictor_within", 0.4, 0.1, 0.7)])
        for canvas in (analysis.scatter, analysis.effects):
            figure = canvas.figure
            assert to_hex(figure.get_facecolor()) == dark.base
            ax = figure.axes[0]
            for text in (ax.title, ax.xaxis.label, *ax.get_xticklabels()):
                assert wcag_ratio(to_hex(text.get_color()), dark.base) >= 4.5, text
            colours = series_colors(figure)
            assert colours
            for color_name in colours:
                assert wcag_ratio(color_name, dark.base) >= 3.0, (canvas.objectName(), color_name)
    finally:
        themes.apply_theme(themes.LIGHT)


def test_the_codebook_takes_a_new_theme_at_once(
    qtbot, window: MainWindow, tmp_path: Path, answer
) -> None:
    """Issue #18: the codebook panel's key colours followed the theme only when it was built
    again (another transcript); now a theme chosen in Settings recolours it at once. The
    codebook gives one dimension yellow, too light for a light background."""
    from PySide6.QtGui import QColor

    from socialcoder.codebooks import DEFAULT_CODEBOOK_PATH
    from socialcoder.services.coders import add_coders
    from socialcoder.services.settings import set_setting
    from socialcoder.services.study import create_study
    from socialcoder.services.transcript_import import import_transcripts, read_manifest

    yellow = "#f0e442"
    source = Path(DEFAULT_CODEBOOK_PATH).read_text(encoding="utf-8")
    assert source.count('"#cc79a7"') == 1
    book = tmp_path / "yellow.yaml"
    book.write_text(source.replace('"#cc79a7"', f'"{yellow}"'), encoding="utf-8")
    samples = Path(__file__).resolve().parents[3] / "sample_transcripts"
    path = tmp_path / "yellow.scstudy"
    with create_study(path, codebook_path=book, name="yellow") as study:
        import_transcripts(study, read_manifest(samples / "manifest.csv")[:1])
        add_coders(study, ["ana"])
        set_setting(study, "blinding", "off")
    try:
        themes.apply_theme(themes.LIGHT)
        assert window.open_study(str(path), "ana", "P01_session02")
        panel = window.codebook_panel
        assert panel is not None
        qtbot.waitUntil(lambda: QApplication.focusWidget() is window.segment_view)
        qtbot.keyClick(window.segment_view, "j")  # a patient's turn: every dimension
        keys = list(panel._keys)
        raw = {k: panel.codebook.dimension(k).color for k in keys}
        assert yellow in raw.values()

        def shown() -> dict[str, str]:
            return {
                k: panel.table.item(r, 0).background().color().name() for r, k in enumerate(keys)
            }

        light, hc = themes.THEMES[themes.LIGHT], themes.THEMES[themes.HIGH_CONTRAST]
        before = shown()
        for key, color in before.items():
            assert wcag_ratio(color, light.base) >= 3.0, (key, color)
        assert before[next(k for k in keys if raw[k] == yellow)] != yellow  # darkened for white
        choose_theme(qtbot, window, answer, themes.HIGH_CONTRAST)
        after = shown()
        assert after != before
        for key, color in after.items():
            assert wcag_ratio(color, hc.base) >= 3.0, (key, color)
            assert color == themes.chip_color(QColor(raw[key]), hc).name()
        assert after[next(k for k in keys if raw[k] == yellow)] == yellow  # fine on black
    finally:
        themes.apply_theme(themes.LIGHT)
