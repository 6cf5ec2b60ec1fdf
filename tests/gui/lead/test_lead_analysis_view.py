"""Lead > Analysis on the sample study (as `socialcoder demo` builds it): the lead chooses an
analysis and its options with the keyboard, runs it off the GUI thread, and sees the figures
of the service (the same calls as `socialcoder analyze`), a plot, and saves the HTML report
and the data set."""

from __future__ import annotations

import csv
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from matplotlib.colors import to_hex
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QFileDialog

from socialcoder.analysis.plots import residual_colour
from socialcoder.errors import Input, Remedy, UserError
from socialcoder.export.reliability_charts import svg as svg_of
from socialcoder.gui.lead.analysis_view import AnalysisView
from socialcoder.gui.lead.charts import WINDOW_ONLY
from socialcoder.gui.lead.tables import headers, texts
from socialcoder.gui.main_window import MainWindow
from socialcoder.services import analysis as service
from socialcoder.services.study import open_study

LEAD = "Dr Lead"
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def analysis_window(window: MainWindow, analysis_template: Path, tmp_path: Path) -> MainWindow:
    path = tmp_path / "demo.scstudy"
    shutil.copy(analysis_template, path)
    assert window.open_study(str(path), LEAD, role="lead")
    return window


def _view(qtbot, window: MainWindow) -> AnalysisView:
    qtbot.keyClick(window, Qt.Key.Key_7, CTRL_SHIFT)  # Lead > Analysis
    assert window.lead is not None
    view = window.lead.analysis
    assert window.lead.currentWidget() is view and view.loaded
    return view


def _run(qtbot, view: AnalysisView) -> None:
    with qtbot.waitSignal(view.computed, timeout=120_000):
        qtbot.keyClick(view.run_button, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(lambda: view.job is not None or view.run is not None, timeout=5_000)
        assert view.job is None or view.cancel_button.isVisibleTo(view)  # in the background
    assert view.job is None and view.run_button.isEnabled()


def _study(window: MainWindow):
    assert window.lead is not None
    return open_study(window.lead.study.location)


def _choose_by_keys(qtbot, combo, value: str) -> None:
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    for _ in range(combo.count()):
        if combo.currentData() == value:
            return
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    raise AssertionError(f"{value} not in {combo.objectName()}")


def test_correlations_table_scatter_report_and_data_set(
    qtbot, analysis_window: MainWindow, tmp_path: Path
) -> None:
    view = _view(qtbot, analysis_window)
    assert view.analysis.accessibleName() == "Analysis" and view.table.accessibleName()
    # the seed study's table: goal agreement against the code rates
    _choose_by_keys(qtbot, view.corr_x, "goal_agreement")
    view.corr_boot.setValue(300)
    view.corr_seed.setValue(4)
    _run(qtbot, view)
    with _study(analysis_window) as study:
        want = service.run_correlations(
            study, x=["goal_agreement"], n_boot=300, seed=4
        ).result.pairs
    assert headers(view.table)[:4] == ["x", "y", "n", "Spearman rho"]
    assert view.table.rowCount() == len(want) >= 3
    for row, p in enumerate(want):
        shown = texts(view.table, row)
        assert shown[:3] == [p.x, p.y, str(p.n)]
        assert shown[3] == f"{p.spearman_rho:.2f}"
        assert shown[4] == f"[{p.ci95[0]:.2f}, {p.ci95[1]:.2f}]"
        assert shown[8] == f"{p.between_r:.2f}" and shown[9] == f"{p.within_r:.2f}"
    assert {p.y for p in want} >= {"concordance_rate", "incongruent_principles_rate"}
    # the scatter follows the selected row: its points are the sessions, its line least squares
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Down)
    pair = want[1]
    assert view.plots.currentWidget() is view.scatter
    run = view.run
    assert isinstance(run, service.CorrelationRun)
    frame = run.table.frame[[pair.x, pair.y]].dropna()
    assert sorted(view.scatter.points) == sorted(zip(frame[pair.x], frame[pair.y], strict=True))
    slope, icept = np.polyfit(frame[pair.x], frame[pair.y], 1)
    assert view.scatter.line == pytest.approx((slope, icept))
    assert "cannot tell" in view.notes.toPlainText()
    # the report: the table as shown, the selected pair's scatter first, what the figures
    # cannot tell, the settings
    saved = view.save_report(tmp_path / "correlations")
    page = saved.read_text(encoding="utf-8")
    assert saved.suffix == ".html"
    for row in range(view.table.rowCount()):
        assert "".join(f"<td class='n'>{c}</td>" for c in texts(view.table, row)[2:]) in page
    svgs = re.findall(r"<svg.*?</svg>", page, re.S)
    assert len(svgs) == len(want)
    for svg in svgs:
        ET.fromstring(svg)
    assert f"{pair.y} by {pair.x}" in svgs[0]
    assert "300 replicates resampling participants, seed 4" in page
    assert "What these figures cannot tell" in page and "1.1-sample" in page
    # the data set: CSV, .sav, Mplus and the dictionary, the CSV holds the shown sessions
    written = view.save_data(tmp_path / "data")
    names = {p.name for p in written.files}
    assert {"sessions.csv", "sessions.sav", "sessions.dat", "sessions.inp"} <= names
    with open(tmp_path / "data" / "sessions.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == want[0].n
    assert "goal_agreement" in rows[0] and "coder" in rows[0]


def test_count_model_adds_the_rate_ratio(
    qtbot, analysis_window: MainWindow, tmp_path: Path
) -> None:
    view = _view(qtbot, analysis_window)
    _choose_by_keys(qtbot, view.corr_x, "goal_agreement")
    _choose_by_keys(qtbot, view.corr_y, "resistance_any_rate")
    view.corr_boot.setValue(0)
    qtbot.keyClick(view, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)  # Count model
    assert QApplication.focusWidget() is view.count_model
    _choose_by_keys(qtbot, view.count_model, "negbin")
    _run(qtbot, view)
    with _study(analysis_window) as study:
        want = service.run_correlations(
            study,
            x=["goal_agreement"],
            y=["resistance_any_rate"],
            n_boot=0,
            count_family="negbin",
        )
    (fit,) = want.count_models
    assert fit.result is not None
    slope = fit.result.term("goal_agreement")
    assert slope.rate_ratio is not None and slope.ci95 is not None and slope.p is not None
    assert headers(view.table)[-2:] == ["Rate ratio (95% CI)", "p (count)"]
    lo, hi = (float(np.exp(b)) for b in slope.ci95)
    assert texts(view.table, 0)[-2:] == [
        f"{slope.rate_ratio:.3f} [{lo:.3f}, {hi:.3f}]",
        f"{slope.p:.3f}",
    ]
    assert "applicable turns as exposure" in view.notes.toPlainText()
    page = view.save_report(tmp_path / "counts").read_text(encoding="utf-8")
    assert "Rate ratio (95% CI)" in page and "negbin, applicable turns as exposure" in page


def test_lagged_effects_with_intervals(qtbot, analysis_window: MainWindow, tmp_path: Path) -> None:
    view = _view(qtbot, analysis_window)
    _choose_by_keys(qtbot, view.analysis, "lagged")
    assert view.options.currentIndex() == 1
    _choose_by_keys(qtbot, view.outcome, "core_om")
    _choose_by_keys(qtbot, view.predictor, "wai_sr")
    _run(qtbot, view)
    with _study(analysis_window) as study:
        want = service.run_lagged(study, outcome="core_om", predictor="wai_sr").result
    assert [texts(view.table, r)[0] for r in range(view.table.rowCount())] == [
        fe.term for fe in want.fixed_effects
    ]
    within = want.effect("predictor_within")
    row = texts(view.table, 0)
    assert row[1] == f"{within.estimate:.3f}" and row[2] == f"{within.se:.3f}"
    assert row[3] == f"[{within.ci95[0]:.3f}, {within.ci95[1]:.3f}]"
    assert view.plots.currentWidget() is view.effects
    assert [e[0] for e in view.effects.effects] == [
        "predictor_within",
        "predictor_between",
        "control",
    ]
    assert view.effects.effects[0][1:] == pytest.approx(
        (within.estimate, within.ci95[0], within.ci95[1])
    )
    assert "dynamic-panel" in view.notes.toPlainText()
    written = view.save_data(tmp_path / "lagged")
    assert {"lagged.csv", "lagged.R", "lagged.inp"} <= {p.name for p in written.files}
    with pytest.raises(UserError) as exists:  # ask_data offers to replace what the remedy allows
        view.save_data(tmp_path / "lagged")
    assert Remedy.switch(Input.FORCE) in exists.value.remedies
    page = view.save_report(tmp_path / "lagged.html").read_text(encoding="utf-8")
    assert "core_om at t+1 on wai_sr at t" in page and "predictor_within" in page


def test_sequential_matrix_heat_map(
    qtbot, monkeypatch, analysis_window: MainWindow, tmp_path: Path
) -> None:
    view = _view(qtbot, analysis_window)
    _choose_by_keys(qtbot, view.analysis, "sequential")
    view.seq_boot.setValue(200)
    _run(qtbot, view)
    with _study(analysis_window) as study:
        want = service.run_sequential(study, matrix=True, n_boot=200, seed=1).result
    assert view.table.rowCount() == len(want.tables)
    for r, t in enumerate(want.tables):
        shown = texts(view.table, r)
        s = t.table
        assert shown[:3] == [t.given.spec, t.target.spec, f"{s.a}/{s.b}/{s.c}/{s.d}"]
        assert shown[5].rstrip("*") == f"{s.adjusted_residual:.2f}"
        assert shown[5].endswith("*") == bool(s.warnings)
    heat = view.heatmap
    assert view.plots.currentWidget() is heat
    givens = list(dict.fromkeys(t.given.spec for t in want.tables))
    targets = list(dict.fromkeys(t.target.spec for t in want.tables))
    assert (heat.rows, heat.columns) == (givens, targets)
    advice = givens.index("therapist:incongruent_advice=1")
    col = targets.index("patient:incongruent_principles=1")
    z = want.table("therapist:incongruent_advice=1", "patient:incongruent_principles=1")
    text, colour = heat.cell(advice, col)
    assert text == f"{z.table.adjusted_residual:.2f}"
    assert colour == residual_colour(z.table.adjusted_residual)
    # the figure shows it: the cell's value written at its place, in its colour
    (ax,) = heat.figure.axes
    written = {(round(t.get_position()[1]), round(t.get_position()[0])): t for t in ax.texts}
    assert written[advice, col].get_text() == text
    (image,) = ax.images
    assert to_hex(image.get_array()[advice][col]) == colour
    assert [t.get_text() for t in ax.get_yticklabels()] == givens
    assert heat.accessibleName().startswith("Heat map of adjusted residuals")
    _heat_map_by_keys(qtbot, monkeypatch, tmp_path, view, want)
    page = view.save_report(tmp_path / "seq").read_text(encoding="utf-8")
    assert f">{z.table.adjusted_residual:.2f}</text>" in page
    written = view.save_data(tmp_path / "seq")
    assert "sequential.sds" in {p.name for p in written.files}


def _heat_map_by_keys(qtbot, monkeypatch, tmp_path: Path, view: AnalysisView, want) -> None:
    """The heat map's current cell follows the table's row; the arrow keys, Home, End and a
    click on the map move it, select the cell's row of the table and say what it holds."""
    heat, table = view.heatmap, view.table
    givens, targets = heat.rows, heat.columns
    residual = {(t.given.spec, t.target.spec): t.table.adjusted_residual for t in want.tables}

    def shown() -> tuple[int, int]:
        """The outlined cell, read from the figure; the table's row must be that cell's."""
        (ax,) = heat.figure.axes
        (outline,) = [p for p in ax.patches if not p.get_fill()]
        x, y = outline.get_xy()
        cell = (round(y + 0.5), round(x + 0.5))
        assert heat.current == cell
        given, target = givens[cell[0]], targets[cell[1]]
        assert texts(table, table.currentRow())[:2] == [given, target]
        z = residual[given, target]
        said = f"given {given}, target {target}: adjusted residual {z:.2f}"
        assert said in heat.accessibleDescription() and said in heat.toolTip()
        return cell

    assert len(givens) > 1 and len(targets) > 1
    first = want.tables[0]
    assert shown() == (givens.index(first.given.spec), targets.index(first.target.spec))
    heat.setFocus()
    start = shown()
    qtbot.keyClick(heat, Qt.Key.Key_Down)
    assert shown() == (start[0] + 1, start[1])
    qtbot.keyClick(heat, Qt.Key.Key_End)
    assert shown() == (start[0] + 1, len(targets) - 1)
    qtbot.keyClick(heat, Qt.Key.Key_Right)  # the edge: stays
    assert shown() == (start[0] + 1, len(targets) - 1)
    qtbot.keyClick(heat, Qt.Key.Key_Home)
    qtbot.keyClick(heat, Qt.Key.Key_Up)
    assert shown() == (start[0], 0)
    # the table's arrow keys move the map's cell
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Down)
    assert table.currentRow() == 1
    t = want.tables[1]
    assert shown() == (givens.index(t.given.spec), targets.index(t.target.spec))
    # a click on a cell
    (ax,) = heat.figure.axes
    heat.draw()
    row, column = len(givens) - 1, len(targets) - 1
    x, y = ax.transData.transform((column, row))
    ratio = heat.devicePixelRatioF()
    qtbot.mouseClick(
        heat,
        Qt.MouseButton.LeftButton,
        pos=QPoint(round(x / ratio), round(heat.height() - y / ratio)),
    )
    assert shown() == (row, column) and heat.hasFocus()
    qtbot.keyClick(heat, Qt.Key.Key_Tab)  # the map does not trap the focus
    assert not heat.hasFocus()
    # a saved chart is the report's: without the window's outline, which stays in the window
    saved = tmp_path / "heat.svg"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(saved), ""))
    heat.save_action.trigger()
    assert "<svg" in saved.read_text(encoding="utf-8")
    assert WINDOW_ONLY not in saved.read_text(encoding="utf-8")
    assert shown() == (row, column) and WINDOW_ONLY in svg_of(heat.figure)


def test_refusals_are_shown_not_raised(qtbot, analysis_window: MainWindow) -> None:
    view = _view(qtbot, analysis_window)
    _choose_by_keys(qtbot, view.analysis, "sequential")
    view.given.setText("therapist:incongruent_advice")
    qtbot.keyClick(view.run_button, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: "name both given and target" in view.status.text(), timeout=5_000)
    assert view.job is None
    view.target.setText("patient:nonsense=1")
    with qtbot.waitSignal(view.computed, timeout=5_000, raising=False) as blocker:
        qtbot.keyClick(view.run_button, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(lambda: view.job is None, timeout=60_000)
    assert not blocker.signal_triggered
    assert view.status.text().startswith("Not run:")
    assert QApplication.activeModalWidget() is None
    assert not view.report_button.isEnabled()  # nothing run yet: nothing to save


def test_the_plot_takes_a_new_theme(qtbot, analysis_window: MainWindow) -> None:
    """Issue #18: after a theme change the analysis plot is drawn again in the new theme's
    colours (its background, dots and fitted line), not left in the old one's."""
    from socialcoder.export.reliability_charts import series_colors
    from socialcoder.gui import themes

    view = _view(qtbot, analysis_window)
    _choose_by_keys(qtbot, view.corr_x, "goal_agreement")
    view.corr_boot.setValue(0)
    _run(qtbot, view)
    light = themes.THEMES[themes.LIGHT].marks
    assert set(series_colors(view.scatter.figure)) <= {light.point, light.fit_line}
    try:
        themes.apply_theme(themes.DARK)
        analysis_window.refresh_colours()
        dark = themes.THEMES[themes.DARK]
        figure = view.scatter.figure
        assert to_hex(figure.get_facecolor()) == dark.base
        colors = set(series_colors(figure))
        assert colors and colors <= {dark.marks.point, dark.marks.fit_line}, colors
    finally:
        themes.apply_theme(themes.LIGHT)


def test_figures_on_show_are_marked_outdated_when_the_study_changes(
    qtbot, analysis_window: MainWindow, tmp_path: Path
) -> None:
    """Measures imported elsewhere (the command line) while the figures are on show: the view
    says they are outdated instead of passing them off as the study's; Run computes them
    again from the new measures."""
    from socialcoder.gui.lead.analysis_view import OUTDATED
    from socialcoder.services.measures import import_measures

    view = _view(qtbot, analysis_window)
    _choose_by_keys(qtbot, view.corr_x, "calpas_goal")
    _choose_by_keys(qtbot, view.corr_y, "concordance_rate")
    view.corr_boot.setValue(100)
    _run(qtbot, view)
    before = texts(view.table, 0)
    assert not view.status.text().startswith(OUTDATED)
    with _study(analysis_window) as study:
        old = service.run_correlations(study, x=["calpas_goal"], y=["concordance_rate"], n_boot=0)
        sessions = old.table.frame[["participant", "session"]].head(6).itertuples(index=False)
        csv_path = tmp_path / "m.csv"
        csv_path.write_text(
            "participant,session,calpas_goal\n"
            + "".join(f"{p},{s},{9 - i}\n" for i, (p, s) in enumerate(sessions)),
            encoding="utf-8",
        )
        import_measures(study, csv_path)
    assert analysis_window.lead is not None and analysis_window.lead.poll()
    assert view.status.text().startswith(OUTDATED)
    assert texts(view.table, 0) == before  # the run's figures, not silently others
    _run(qtbot, view)
    assert not view.status.text().startswith(OUTDATED)
    assert texts(view.table, 0)[3] != before[3]  # Spearman's rho of the new measures
