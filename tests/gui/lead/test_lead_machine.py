"""The dashboard's machine tab (issue #17): the machine coder as one more row (alpha against
each human and the consensus layer, the figures of `machine review --json`), and the
quality-control list, whose confidence the lead sets from the keyboard."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from machine_support import build_machine_study
from PySide6.QtCore import Qt

from socialcoder.cli import main as cli_main
from socialcoder.gui.lead.tables import fmt, fmt_pct, texts
from socialcoder.gui.main_window import MainWindow

LEAD = "Dr Lead"
MACHINE = "machine talk v1"


@pytest.fixture(scope="module")
def coded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    study = build_machine_study(tmp_path_factory.mktemp("gui_machine"))
    for argv in (("train",), ("code",)):
        assert cli_main(["machine", *argv, str(study), "--dimension", "talk"]) == 0
    return study


def _review(capsys: pytest.CaptureFixture[str], study: Path, threshold: str) -> dict:
    capsys.readouterr()
    assert cli_main(["machine", "review", str(study), "--threshold", threshold, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_lead_sees_the_machine_row_and_the_review_list(
    qtbot, window: MainWindow, coded: Path, tmp_path: Path, capsys
) -> None:
    study = tmp_path / "m.scstudy"
    study.write_bytes(coded.read_bytes())
    expected = _review(capsys, study, "0.5")
    assert window.open_study(str(study), LEAD, role="lead") and window.lead is not None
    dash = window.lead.dashboard
    window.lead.show_page("dashboard")
    dash.bootstrap.setValue(0)
    panel = dash.machine
    panel.threshold.setValue(0.5)
    dash.wait()
    qtbot.waitUntil(lambda: dash.job is None, timeout=60_000)  # a computation on opening
    with qtbot.waitSignal(dash.computed, timeout=60_000):
        qtbot.mouseClick(dash.compute_button, Qt.MouseButton.LeftButton)
    # one row per (machine, human or consensus), exactly the CLI's figures
    rows = [texts(panel.agreement, r) for r in range(panel.agreement.rowCount())]
    assert [(r[0], r[2]) for r in rows] == [
        (a["machine"], a["against"]) for a in expected["agreement"]
    ]
    for row, a in zip(rows, expected["agreement"], strict=True):
        assert row[3] == fmt(a["alpha"]) and row[5] == fmt_pct(a["percent_agreement"])
        assert row[6] == str(a["pairable_units"])
    # the machine is never a row of the human pairs
    pairs = [texts(dash.pairs, r)[0] for r in range(dash.pairs.rowCount())]
    assert pairs and not any(MACHINE in p for p in pairs)
    shown = [texts(panel.review, r) for r in range(panel.review.rowCount())]
    assert [(r[0], int(r[1]), r[3], r[5]) for r in shown] == [
        (i["transcript"], i["segment"], i["coder"], i["machine_value"]) for i in expected["review"]
    ]
    assert shown and "0.5" in panel.note.text()
    # raise the confidence from the keyboard: the list shrinks to the CLI's at 0.7
    panel.threshold.setFocus()
    panel.threshold.selectAll()
    qtbot.keyClicks(panel.threshold, "0.70")
    qtbot.keyClick(panel.threshold, Qt.Key.Key_Enter)
    higher = _review(capsys, study, "0.7")["review"]
    assert panel.review.rowCount() == len(higher) < len(shown)
