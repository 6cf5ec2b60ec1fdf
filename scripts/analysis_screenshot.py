"""Save docs/screenshots/analysis.png: Lead > Analysis on the fictional sample study (session
correlations of goal agreement against every code rate, the scatter of the first pair).

Run: ``python scripts/analysis_screenshot.py`` (offscreen by default). Builds the demo study in
a temp folder and grabs the view (QWidget.grab) after the analysis has run.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from socialcoder.gui.app import make_app  # noqa: E402
from socialcoder.gui.lead.analysis_view import AnalysisView  # noqa: E402
from socialcoder.services.demo import build_demo  # noqa: E402
from socialcoder.services.study import open_study  # noqa: E402


def _settle(app: QApplication, seconds: float = 0.5) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)


def main(out: Path = ROOT / "docs" / "screenshots" / "analysis.png") -> int:
    folder = Path(tempfile.mkdtemp(prefix="sc-shots-"))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    demo = build_demo(folder / "sample.scstudy", fresh=True)
    app = make_app()
    with open_study(demo.path) as study:
        view = AnalysisView(study)
        view.resize(1100, 720)
        view.show()
        view.ensure_loaded()
        view.choose(view.corr_x, "goal_agreement")
        view.corr_boot.setValue(500)
        view.start()
        started = time.monotonic()
        while view.job is not None and time.monotonic() - started < 300:
            _settle(app, 0.1)
        if view.run is None:
            print(f"the analysis did not run: {view.status.text()}", file=sys.stderr)
            return 1
        view.table.setCurrentCell(0, 0)
        _settle(app)
        view.grab().save(str(out))
        view.close()
    print(f"saved {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
