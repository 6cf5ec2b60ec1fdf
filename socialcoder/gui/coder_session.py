"""The coder's window on the one change pipeline: a coder-scoped
:class:`~socialcoder.gui.session.StudySession` tells the window what changed elsewhere (the
command line, another window, the lead), as a
:class:`~socialcoder.services.study_change.StudyChange`, and :func:`show_study_change` updates
what the change concerns: the codebook (pane, keys, the open transcript's rows, keeping the
cursor and the selected dimension), the transcript list (a transcript imported, removed or
assigned to her), and her codes, memos and completions in the open transcript (through
:func:`~socialcoder.gui.watch.show_changed_elsewhere`, the path of her own actions).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMainWindow

from socialcoder.errors import UserError
from socialcoder.gui.errors import describe
from socialcoder.gui.session import StudySession
from socialcoder.gui.watch import show_changed_elsewhere
from socialcoder.services.study_change import ChangeKind, StudyChange

if TYPE_CHECKING:
    from socialcoder.gui.controller import CodingController
    from socialcoder.gui.panels import TranscriptsPanel

K = ChangeKind
#: what the open transcript shows of her work (a transcript re-imported replaces its rows)
SHOWN = frozenset({K.CODES, K.MEMOS, K.COMPLETIONS, K.TRANSCRIPTS})
#: what her transcript list shows beyond her progress
LISTED = frozenset({K.TRANSCRIPTS, K.ASSIGNMENTS})


def watch_coder_window(
    window: QMainWindow,
    ctl: CodingController,
    transcripts: TranscriptsPanel,
    refresh: Callable[[], object],
    reload_codebook: Callable[[], object],
) -> StudySession:
    """Watch what ``window`` shows to ``ctl``'s coder: her work through ``ctl``, the list
    ``transcripts`` (which ``refresh()`` reloads), and the codebook (``reload_codebook()``)."""
    session = StudySession(ctl.study, window, coder=ctl.person)
    session.watcher.watch_window(window)
    session.changed.connect(
        lambda change, _origin: show_study_change(
            window, ctl, transcripts, refresh, reload_codebook, change
        )
    )
    ctl.undo_stack.indexChanged.connect(session.watcher.defer)  # every own action, undo, redo
    return session


def show_study_change(
    window: QMainWindow,
    ctl: CodingController,
    transcripts: TranscriptsPanel,
    refresh: Callable[[], object],
    reload_codebook: Callable[[], object],
    change: StudyChange,
) -> None:
    """Show ``change`` (made elsewhere) where the window shows what it concerns."""
    try:
        if K.CODEBOOK in change.kinds:
            reload_codebook()
        if not change.kinds.isdisjoint(LISTED):
            refresh()
    except UserError as exc:
        window.statusBar().showMessage(f"Could not re-read the study: {describe(exc)}", 10_000)
        return
    if not change.kinds.isdisjoint(SHOWN):
        show_changed_elsewhere(window, ctl, transcripts, refresh)
