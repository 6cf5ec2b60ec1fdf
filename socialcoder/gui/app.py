"""Starting the coding window: ``run(study, coder, transcript) -> exit status``."""

from __future__ import annotations

import os
import sys
import traceback
from types import TracebackType

from PySide6.QtWidgets import QApplication

from socialcoder.gui.dialogs import error_text, show_error
from socialcoder.gui.identity import apply_identity
from socialcoder.gui.main_window import APPLICATION, ORGANISATION, MainWindow
from socialcoder.gui.themes import apply_saved


def _excepthook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """Show an error as a dialog, not a traceback; keep the traceback on stderr only for
    unexpected errors (it never contains transcript text unless the message does)."""
    if isinstance(exc, KeyboardInterrupt):
        sys.__excepthook__(kind, exc, tb)
        return
    if QApplication.instance() is None:
        sys.__excepthook__(kind, exc, tb)
        return
    from socialcoder.errors import UserError

    if not isinstance(exc, UserError):
        traceback.print_exception(kind, exc, tb, file=sys.stderr)
    show_error(QApplication.activeWindow(), error_text(exc))


def make_app(argv: list[str] | None = None) -> QApplication:
    # Qt's raster engine hands every fill taller than about 96 lines to a thread pool and
    # waits for it: on a busy two-core machine the hand-off cost a coding key about 2 ms of
    # CPU and more of wall time (issue #14; a row, a panel, the window are small fills).
    # Read when Qt first paints; a user's own setting is kept.
    os.environ.setdefault("QT_NO_GUI_THREADPOOL", "1")
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(argv if argv is not None else [sys.argv[0]])
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("SocialCoder")
    apply_identity(app)  # the icon on every window and dialog
    return app


def run(
    study: str | None = None,
    coder: str | None = None,
    transcript: str | None = None,
    role: str = "coder",
    *,
    check: bool = False,
) -> int:
    """Open the main window (on ``study`` as ``coder`` at ``transcript`` when given; else on
    the last study used) and run until it closes. ``role="lead"`` opens ``study`` straight
    into the lead workspace, ``coder`` being the lead's name (default "lead"). ``check``:
    print what the window shows and close it at once (0 when it opened the study)."""
    app = make_app()
    previous_hook = sys.excepthook
    sys.excepthook = _excepthook
    try:
        window = MainWindow()
        apply_saved(window.settings)  # the user's theme; by default the system's scheme
        window.show()
        target = study or str(window.settings.value("last/study", "") or "") or None
        if target and role == "lead" and study:
            window.open_study(study, coder or "lead", role="lead")
        elif target:
            window.open_study(target, coder if study else None, transcript if study else None)
        if check:
            return report_check(app, window)
        return app.exec()
    finally:
        sys.excepthook = previous_hook


def report_check(app: QApplication, window: MainWindow) -> int:
    """One line on what the window shows (for installers and the bundle's smoke test), then
    close it: 0 when a study is open in it with transcripts listed and the icon set."""
    for _ in range(20):
        app.processEvents()
    model = window.segment_view.model()
    transcripts = window.transcripts.table.rowCount()
    segments = model.rowCount() if model is not None else 0
    opened = window.isVisible() and window.stack.currentWidget() is not window.start_page
    icon = not app.windowIcon().isNull()
    ok = opened and icon and (transcripts > 0 or window.lead is not None)
    print(
        f"window {'opened' if opened else 'NOT opened'} on {app.platformName()}: "
        f"{window.windowTitle()!r}; {transcripts} transcript(s) listed, {segments} segment(s) "
        f"shown; icon {'set' if icon else 'MISSING'}"
    )
    window.close()
    return 0 if ok else 1
