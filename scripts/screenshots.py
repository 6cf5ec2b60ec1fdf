"""Save docs/screenshots/workbench.png (the coding window) and dashboard.png / review.png (the
study lead's reliability dashboard and disagreement review), on the fictional sample study.

Run: ``python scripts/screenshots.py`` (offscreen by default). Builds the demo study in a temp
folder, opens P01_session02 as coder ana, codes a turn and shows the resistance details; then
opens the study as lead, computes the dashboard and shows the first resistance disagreement.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from socialcoder.gui.app import make_app  # noqa: E402
from socialcoder.gui.main_window import MainWindow  # noqa: E402
from socialcoder.services.demo import build_demo  # noqa: E402


def main(out: Path = ROOT / "docs" / "screenshots" / "workbench.png") -> int:
    folder = Path(tempfile.mkdtemp(prefix="sc-shots-"))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    demo = build_demo(folder / "sample.scstudy", fresh=True)
    app = make_app()
    start_page_shot(demo.path, out.parent)
    window = MainWindow()
    window.resize(1400, 900)
    window.show()
    if not window.open_study(str(demo.path), "ana", "P01_session02"):
        return 1
    ctl = window.controller
    assert ctl is not None
    view = window.segment_view
    ctl.set_current(6)  # segment 7, a patient turn
    QTest.keyClick(view, "r")  # arm resistance: the panel shows how to pick a value
    QTest.keyClick(view, "n")  # ... none
    ctl.set_current(8)  # segment 9
    QTest.keyClick(view, "r")
    for _ in range(5):
        app.processEvents()
    out.parent.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(out))
    print(f"saved {out}")
    window.close()
    return lead_shots(demo.path, out.parent)


def start_page_shot(study: Path, folder: Path) -> None:
    """start_page.png: the window before any study is open (one study in the recent list)."""
    app = make_app()
    window = MainWindow()
    window.settings.setValue("recent", [str(study)])
    window.resize(1000, 680)
    window.show()
    for _ in range(5):
        app.processEvents()
    folder.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(folder / "start_page.png"))
    print(f"saved {folder / 'start_page.png'}")
    window.close()
    window.settings.remove("recent")


def lead_shots(study: Path, folder: Path) -> int:
    """dashboard.png and review.png: the lead's views on a copy of the demo study."""
    app = make_app()
    window = MainWindow()
    window.resize(1400, 900)
    window.show()
    if not window.open_study(str(study), "Dr Lead", role="lead") or window.lead is None:
        return 1
    lead = window.lead
    lead.show_page("dashboard")
    dash = lead.dashboard
    dash.wait(60)
    for _ in range(50):
        app.processEvents()
        if dash.result is not None and dash.job is None:
            break
        QTest.qWait(100)
    dash.conf_dimension.setCurrentIndex(dash.conf_dimension.findData("resistance"))
    for _ in range(5):
        app.processEvents()
    window.grab().save(str(folder / "dashboard.png"))
    print(f"saved {folder / 'dashboard.png'}")
    lead.show_page("review")
    review = lead.review
    review.f_dimension.setCurrentIndex(review.f_dimension.findData("resistance"))
    for _ in range(5):
        app.processEvents()
    window.grab().save(str(folder / "review.png"))
    print(f"saved {folder / 'review.png'}")
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
