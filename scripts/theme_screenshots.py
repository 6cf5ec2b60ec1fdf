"""Save docs/screenshots/theme-light.png, theme-dark.png and theme-high-contrast.png: the coding
window on the fictional sample study in each theme (QWidget.grab() offscreen, scaled to 900
pixels wide to keep them small).

Run: ``python scripts/theme_screenshots.py``.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QSettings, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from socialcoder.gui import themes  # noqa: E402
from socialcoder.gui.app import make_app  # noqa: E402
from socialcoder.gui.main_window import MainWindow  # noqa: E402
from socialcoder.services.demo import build_demo  # noqa: E402


def main(folder: Path = ROOT / "docs" / "screenshots") -> int:
    tmp = Path(tempfile.mkdtemp(prefix="sc-themes-"))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp))
    demo = build_demo(tmp / "sample.scstudy", fresh=True)
    app = make_app()
    folder.mkdir(parents=True, exist_ok=True)
    for name in (themes.LIGHT, themes.DARK, themes.HIGH_CONTRAST):
        themes.apply_theme(name)
        window = MainWindow()
        window.resize(1400, 900)
        window.show()
        if not window.open_study(str(demo.path), "ana", "P01_session02"):
            return 1
        assert window.controller is not None
        window.controller.set_current(6)
        QTest.keyClick(window.segment_view, "r")
        for _ in range(5):
            app.processEvents()
        image = (
            window.grab().toImage().scaledToWidth(900, Qt.TransformationMode.SmoothTransformation)
        )
        out = folder / f"theme-{name}.png"
        image.save(str(out), "PNG", 6)
        print(f"saved {out} ({out.stat().st_size // 1024} KiB)")
        window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
