"""The reliability dashboard shows the CLI's numbers; it computes off the GUI thread, can be
cancelled, and saves an HTML report."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from socialcoder.cli import main as cli_main
from socialcoder.errors import UserError
from socialcoder.export.reliability_figures import specific_text
from socialcoder.gui.lead.dashboard import Dashboard
from socialcoder.gui.lead.figures import q_text
from socialcoder.gui.lead.tables import fmt, fmt_ci, fmt_pct, texts
from socialcoder.gui.main_window import MainWindow


def compute(qtbot, dash: Dashboard, bootstrap: int, seed: int) -> None:
    dash.bootstrap.setValue(bootstrap)
    dash.seed.setValue(seed)
    dash.wait()
    qtbot.waitUntil(lambda: dash.job is None, timeout=20_000)
    with qtbot.waitSignal(dash.computed, timeout=20_000):
        qtbot.mouseClick(dash.compute_button, Qt.MouseButton.LeftButton)
        assert dash.cancel_button.isVisibleTo(dash)  # progress and cancel while it runs


def cli_json(capsys, path: Path, *args: str) -> dict:
    capsys.readouterr()
    assert cli_main(["reliability", str(path), "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_numbers_equal_the_cli(qtbot, lead_window: MainWindow, demo_study: Path, capsys) -> None:
    dash = lead_window.lead.dashboard
    lead_window.lead.show_page("dashboard")
    compute(qtbot, dash, 300, 5)
    cli = cli_json(capsys, demo_study, "--bootstrap", "300", "--seed", "5")
    shown = dash.result.by_pair.to_json()
    overall = [{k: v for k, v in d.items() if k != "groups"} for d in shown["dimensions"]]
    assert overall == cli["dimensions"]
    assert shown["codebook_version"] == cli["codebook_version"] == "1.1"
    # the table shows exactly these figures, and every note
    assert dash.dimensions.rowCount() == len(cli["dimensions"]) == 4
    for row, d in enumerate(cli["dimensions"]):
        cells = texts(dash.dimensions, row)
        assert cells[0] == d["label"]
        assert cells[2] == fmt(d["krippendorff_alpha"])
        assert cells[4] == q_text(d)
        assert cells[5] == specific_text(d)
        assert cells[6] == fmt(d["gwet_ac1"])
        assert cells[8] == fmt(d["fleiss_kappa"])
        assert cells[9] == fmt_pct(d["percent_agreement"])
        assert cells[10] == str(d["pairable_units"])
        assert cells[11] == str(d["pairable_values"])
        assert all(note in cells[12] for note in d["notes"])
    headers = [dash.dimensions.horizontalHeaderItem(c).text() for c in range(13)]
    assert headers[6:9] == ["AC1 (unweighted)", "AC2 (ordinal weights)", "Fleiss κ (unweighted)"]
    concordance, resistance = texts(dash.dimensions, 0), texts(dash.dimensions, 2)
    low, high = cli["dimensions"][0]["alpha_ci95"]
    assert concordance[3] == fmt_ci([low, high])
    q = cli["dimensions"][0]["q_below"]
    assert concordance[4] == f"{q['0.667']:.3f} / {q['0.8']:.3f}"
    # coloured by the interval's lower bound, not the point estimate
    expected = "#cdeccd" if low >= 0.8 else "#fde7c2" if low >= 0.667 else "#f7cccc"
    assert dash.dimensions.item(0, 2).background().color().name() == expected
    # resistance: alpha 0.688 with implied 'none', 0.360 without; too few units for an interval
    assert resistance[2] == "0.688"
    assert resistance[7] == fmt(cli["dimensions"][2]["gwet_ac2"]["ordinal"])
    assert resistance[3] == "too few units" and resistance[4] == "–"
    assert resistance[12].startswith("too few units")
    assert "alpha on the values coders entered is 0.360" in resistance[12]
    assert dash.dimensions.item(2, 2).background().color().name() == "#e0e0e0"
    # the selected row's notes in full below the table
    dash.tabs.setCurrentIndex(0)
    dash.dimensions.setCurrentCell(2, 0)
    assert "alpha on the values coders entered is 0.360" in dash.notes.toPlainText()
    # per coder pair: equal to `--by pair`
    by_pair = cli_json(capsys, demo_study, "--by", "pair", "--bootstrap", "300", "--seed", "5")
    assert shown["dimensions"] == by_pair["dimensions"]
    first = by_pair["dimensions"][0]["groups"][0]
    pair_row = texts(dash.pairs, 0)
    assert pair_row[:3] == [
        "ana & ben",
        "Concordance with the model",
        fmt(first["krippendorff_alpha"]),
    ]
    assert pair_row[5] == fmt(first["cohen_kappa_pairs"][0]["pabak"])
    assert all(note in pair_row[-1] for note in first["notes"])
    # per transcript: equal to `--by transcript`
    by_t = cli_json(capsys, demo_study, "--by", "transcript", "--bootstrap", "300", "--seed", "5")
    assert dash.result.by_transcript.to_json()["dimensions"] == by_t["dimensions"]
    assert dash.transcripts.rowCount() == sum(len(d["groups"]) for d in by_t["dimensions"])
    goal_rows = [
        texts(dash.transcripts, r)
        for r in range(dash.transcripts.rowCount())
        if texts(dash.transcripts, r)[1] == "Agreement on goals (session)"
    ]
    assert goal_rows and all("fewer than 2 pairable units" in r[-1] for r in goal_rows)
    # the chart plots the same alphas; the drift chart has the one week of coding
    assert [p.alpha for p in dash.alpha_chart.points] == [
        d["krippendorff_alpha"] for d in cli["dimensions"]
    ]
    assert len(dash.drift_chart.weeks) == 1


def test_confusion_matrix_matches_pair_agreement(
    qtbot, lead_window: MainWindow, capsys, demo_study: Path
) -> None:
    dash = lead_window.lead.dashboard
    compute(qtbot, dash, 0, 1)
    dash.conf_dimension.setCurrentIndex(dash.conf_dimension.findData("resistance"))
    dash.conf_pair.setCurrentIndex(dash.conf_pair.findData("ben\tcleo"))
    m = dash.confusion.matrix
    assert m is not None and (m.dimension, m.coder_a, m.coder_b) == ("resistance", "ben", "cleo")
    assert m.labels == ("none", "mild", "strong")
    cli = cli_json(capsys, demo_study, "--dimension", "resistance")
    pair = next(
        p for p in cli["dimensions"][0]["cohen_kappa_pairs"] if p["coders"] == ["ben", "cleo"]
    )
    assert m.total == pair["units"]
    assert m.agreements == round(pair["percent_agreement"] * pair["units"])
    diagonal = [int(dash.confusion.cell_text(i, i)) for i in range(3)]
    assert sum(diagonal) == m.agreements
    assert dash.confusion.horizontalHeaderItem(0).text() == "cleo: none"


def test_cancel_keeps_the_window_responsive(qtbot, lead_window: MainWindow) -> None:
    dash = lead_window.lead.dashboard
    dash.wait()
    qtbot.waitUntil(lambda: dash.job is None, timeout=20_000)
    dash.bootstrap.setValue(20000)
    qtbot.mouseClick(dash.compute_button, Qt.MouseButton.LeftButton)
    assert dash.job is not None and not dash.compute_button.isEnabled()
    lead_window.lead.show_page("review")  # the GUI thread is free meanwhile
    assert lead_window.lead.currentWidget() is lead_window.lead.review
    qtbot.mouseClick(dash.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dash.job is None, timeout=20_000)
    assert dash.status.text().startswith("Cancelled")
    assert dash.compute_button.isEnabled()


def test_save_report(qtbot, lead_window: MainWindow, tmp_path: Path) -> None:
    dash = lead_window.lead.dashboard
    compute(qtbot, dash, 200, 2)
    saved = dash.save_report(tmp_path / "lab-meeting")
    assert saved.suffix == ".html"
    page = saved.read_text(encoding="utf-8")
    assert "Socialization to the treatment model, version 1.1" in page
    assert "everything (all coders, transcripts and dimensions)" in page
    assert "200 replicates resampling transcripts, seed 2" in page
    assert page.count("<svg") == 2  # the two charts, inline
    colour = dash.dimensions.item(0, 2).background().color().name()
    assert f"style='background:{colour}'" in page
    assert f"<b>{texts(dash.dimensions, 0)[2]}</b></td>" in page
    assert "lower end of the 95% interval" in page
    assert "alpha on the values coders entered is 0.360" in page  # the notes travel too
    assert "Confusion matrix" in page
    # no transcript text leaves in a report
    assert "diary" not in page


def without_stamps(page: str) -> str:
    return re.sub(r"<tr><td><b>(Computed|Saved)</b></td><td>[^<]*</td></tr>", "", page)


def test_the_saved_report_is_the_cli_report(
    qtbot, lead_window: MainWindow, demo_study: Path, tmp_path: Path, capsys
) -> None:
    """*Save report* and ``socialcoder report`` make the same file for the same selection
    (but for when it was computed and saved)."""
    dash = lead_window.lead.dashboard
    dash.wait()
    qtbot.waitUntil(lambda: dash.job is None, timeout=20_000)
    dash.coders_edit.setText("ana, ben")
    dash.filters.transcripts.setText("P01_session02, P02_session04")
    compute(qtbot, dash, 120, 4)
    m = dash.confusion.matrix
    assert m is not None and (m.coder_a, m.coder_b) == ("ana", "ben")
    window = dash.save_report(tmp_path / "window.html").read_text(encoding="utf-8")
    assert "<b>Saved</b>" in window
    cli = tmp_path / "cli.html"
    args = ["--coders", "ana,ben", "--transcripts", "P01_session02,P02_session04"]
    args += ["--bootstrap", "120", "--seed", "4", "--confusion", f"{m.dimension}:ana,ben"]
    assert cli_main(["report", str(demo_study), str(cli), *args]) == 0
    capsys.readouterr()
    assert without_stamps(window) == without_stamps(cli.read_text(encoding="utf-8"))
    assert "transcripts: P01_session02, P02_session04" in window


def test_save_report_never_over_the_study_nor_silently_over_a_file(
    qtbot, lead_window: MainWindow, demo_study: Path, tmp_path: Path
) -> None:
    dash = lead_window.lead.dashboard
    compute(qtbot, dash, 50, 1)
    link = tmp_path / "report.html"
    link.symlink_to(demo_study)
    data = demo_study.read_bytes()
    with pytest.raises(UserError, match="is the study itself"):
        dash.save_report(link, force=True)
    assert demo_study.read_bytes() == data
    mine = tmp_path / "notes.html"
    mine.write_text("mine", encoding="utf-8")
    with pytest.raises(UserError, match="already exists"):
        dash.save_report(tmp_path / "notes")
    assert mine.read_text(encoding="utf-8") == "mine"
    assert "Inter-rater reliability" in dash.save_report(mine, force=True).read_text("utf-8")


def test_filters_by_transcript_and_dates_equal_the_cli(
    qtbot, lead_window: MainWindow, demo_study: Path, capsys
) -> None:
    """The dashboard's Transcripts, From and Until fields narrow the figures exactly as the
    CLI's --transcripts, --since and --until do (the same Selection)."""
    from datetime import UTC, datetime, timedelta

    dash = lead_window.lead.dashboard
    lead_window.lead.show_page("dashboard")
    dash.wait()
    qtbot.waitUntil(lambda: dash.job is None, timeout=20_000)
    qtbot.keyClicks(dash.filters.transcripts, "P01_session02")
    compute(qtbot, dash, 0, 1)
    cli = cli_json(capsys, demo_study, "--transcripts", "P01_session02")
    shown = dash.result.by_pair.to_json()["dimensions"]
    assert [{k: v for k, v in d.items() if k != "groups"} for d in shown] == cli["dimensions"]
    everything = cli_json(capsys, demo_study)
    assert cli["dimensions"][0]["pairable_units"] < everything["dimensions"][0]["pairable_units"]
    assert {g["transcript"] for d in dash.result.by_transcript.to_json()["dimensions"]
            for g in d["groups"]} == {"P01_session02"}  # fmt: skip
    # a date range: every code of the demo was made today, so From tomorrow leaves nothing
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    dash.filters.transcripts.clear()
    qtbot.keyClicks(dash.filters.since, tomorrow)
    compute(qtbot, dash, 0, 1)
    cli = cli_json(capsys, demo_study, "--since", tomorrow)
    shown = dash.result.by_pair.to_json()
    assert (
        [d["pairable_units"] for d in shown["dimensions"]]
        == [d["pairable_units"] for d in cli["dimensions"]]
        == [0, 0, 0, 0]
    )
    assert shown["selection"]["since"].startswith(tomorrow)
    dash.filters.since.clear()
    qtbot.keyClicks(dash.filters.until, tomorrow)  # Until tomorrow: everything again
    compute(qtbot, dash, 0, 1)
    assert [d["pairable_units"] for d in dash.result.by_pair.to_json()["dimensions"]] == [
        d["pairable_units"] for d in everything["dimensions"]
    ]
    # a field that does not parse: one line, nothing computed
    dash.filters.until.setText("next week")
    dash.start()
    assert dash.job is None
    assert (
        dash.status.text()
        == "Not computed: Until 'next week' is not a date (YYYY-MM-DD) or date-time"
    )


def test_the_machine_tab_clears_the_notes(qtbot, lead_window: MainWindow) -> None:
    """The machine coders' tab is no table of figures: choosing it clears the notes (it
    failed on the missing currentRow, in a slot)."""
    dash = lead_window.lead.dashboard
    lead_window.lead.show_page("dashboard")
    dash.notes.setHtml("notes of a row")
    dash.tabs.setCurrentWidget(dash.machine)
    assert dash.notes.toPlainText() == ""
    dash.tabs.setCurrentIndex(0)


def test_the_charts_save_as_png_or_svg_from_the_reports_code(
    qtbot, lead_window: MainWindow, tmp_path: Path, monkeypatch
) -> None:
    """Each chart's context menu saves it as PNG or SVG: the figure shown, through the code the
    HTML report draws its SVG with (one plotting library for window, report and images)."""
    from PySide6.QtWidgets import QFileDialog

    from socialcoder.export.reliability_charts import svg

    dash = lead_window.lead.dashboard
    compute(qtbot, dash, 0, 1)
    chosen: list[str] = []
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: (chosen.pop(), "PNG image (*.png)")
    )
    for chart in (dash.alpha_chart, dash.drift_chart):
        assert chart.save_action in chart.actions()
        assert chart.contextMenuPolicy() == Qt.ContextMenuPolicy.ActionsContextMenu
        png, image, bare = (tmp_path / f"{chart.objectName()}{s}" for s in (".png", ".svg", ""))
        for target in (png, image, bare):
            chosen.append(str(target))
            chart.save_action.trigger()
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert image.read_text(encoding="utf-8") == svg(chart.figure)
        assert bare.with_suffix(".png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"  # PNG by default
    assert "Concordance" in (tmp_path / "alpha_chart.svg").read_text(encoding="utf-8")
    from socialcoder.gui.lead.analysis_charts import EffectsChart, HeatmapChart, ScatterChart

    for canvas in (ScatterChart(), EffectsChart(), HeatmapChart()):  # Lead > Analysis's too
        assert canvas.save_action in canvas.actions()
