"""The coder's window shows codes changed elsewhere (the command line in another process, a
second Study object as another window would hold, a lead's login on a server study): no stored
code shows '—', a key says what is stored instead of 'No change.', and the completion check
counts what is stored. Only the rows that changed are repainted."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from socialcoder.gui import watch
from socialcoder.gui.main_window import MainWindow
from socialcoder.gui.segment_model import CODES_ROLE
from socialcoder.services.coding import clear_code, set_code, set_completed, set_segment_memo
from socialcoder.services.study import open_study
from socialcoder.services.transcript_import import ImportItem, import_transcripts
from socialcoder.services.transcript_view import show_transcript

T = "P01_session02"
REPO = Path(__file__).resolve().parents[2]


def cli(*args: object) -> None:
    """The real program in another process."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "socialcoder", *map(str, args)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def key(qtbot, window: MainWindow, k: str | Qt.Key, mods=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    qtbot.keyClick(window.segment_view, k, mods)


def codes(window: MainWindow, row: int) -> dict[str, str]:
    assert window.controller is not None
    model = window.controller.model
    return model.data(model.index(row), CODES_ROLE)


def status(window: MainWindow) -> str:
    return window.statusBar().currentMessage()


def patient_segments(target: str, n: int) -> list[int]:
    with open_study(target) as study:
        view = show_transcript(study, T)
    return [s.index for s in view.segments if s.role == "patient"][:n]


def activate(window: MainWindow) -> None:
    """What the window gets when the coder comes back to it from elsewhere."""
    QApplication.sendEvent(window, QEvent(QEvent.Type.WindowActivate))


def uncoded_in_check(qtbot, window: MainWindow, answer) -> str:
    """Open the completion check, read it, cancel it."""
    texts: list[str] = []

    def read(box: QMessageBox) -> None:
        texts.append(box.text())
        box.button(QMessageBox.StandardButton.Cancel).click()

    answer(QMessageBox, read)
    key(qtbot, window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(texts), timeout=5000)
    return texts[0]


def settle(qtbot, window: MainWindow) -> None:
    """Let the window become active again (after a dialog) and run the check its activation
    starts, so that a change made afterwards is still unseen when the next key comes."""
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    qtbot.wait(50)


@pytest.fixture
def no_idle_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only activation (or a key) may make the window look: no timer during the test."""
    monkeypatch.setattr(watch, "IDLE_MS", 3_600_000)


def test_codes_set_by_the_command_line_show_when_the_window_is_activated(
    qtbot, window: MainWindow, gui_study: Path, answer, no_idle_checks
) -> None:
    a, b = patient_segments(str(gui_study), 2)
    assert window.open_study(str(gui_study), "ana", T)
    ctl = window.controller
    assert ctl is not None and window.codebook_panel is not None
    ctl.set_current(a - 1)
    coded, codable = ctl.progress
    assert coded == 0 and window.codebook_panel.value_text("concordance") == "—"
    rows: list[tuple[int, int]] = []
    ctl.model.dataChanged.connect(lambda first, last, *_: rows.append((first.row(), last.row())))
    resets: list[int] = []
    ctl.model.modelReset.connect(lambda: resets.append(1))

    base = ("code", gui_study, "--coder", "ana", "--transcript", T)
    cli(*base, "--segment", a, "--dimension", "concordance", "--value", "1")
    cli(*base, "--segment", b, "--dimension", "resistance", "--value", "mild")
    cli(*base, "--dimension", "goal_agreement", "--value", "5")
    cli(
        "code",
        gui_study,
        "--coder",
        "ben",
        "--transcript",
        T,
        "--segment",
        a,
        "--dimension",
        "incongruent_principles",
        "--value",
        "1",
    )
    assert codes(window, a - 1) == {}  # not seen yet
    activate(window)
    qtbot.waitUntil(lambda: codes(window, a - 1) == {"concordance": "1"}, timeout=5000)

    assert codes(window, b - 1) == {"resistance": "mild"}  # ben's code stays unseen (blind)
    assert sorted(set(rows)) == [(a - 1, a - 1), (b - 1, b - 1)] and not resets
    assert ctl.current_row() == a - 1  # the cursor stayed
    assert window.codebook_panel.value_text("concordance") == "present"
    assert ctl.session_codes == {"goal_agreement": "5"}
    assert window.session_panel is not None
    assert window.session_panel.combos["goal_agreement"].currentData() == "5"
    assert ctl.progress == (2, codable)
    assert window.transcripts.row_text(T)[3] == f"{round(100 * 2 / codable)} %"
    assert "made elsewhere" in status(window)
    text = uncoded_in_check(qtbot, window, answer)
    assert f"{codable - 2} codable segments are left uncoded" in text
    # the key toggles what is stored: concordance is present, so it is cleared now
    key(qtbot, window, "c")
    assert status(window) == f"Cleared concordance (segment {a})."
    with open_study(gui_study) as study:
        assert show_transcript(study, T, coder="ana").segments[a - 1].codes == {}


def test_a_second_study_object_is_noticed_on_the_idle_timer(
    qtbot, window: MainWindow, gui_study: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(watch, "IDLE_MS", 50)
    a, b = patient_segments(str(gui_study), 2)
    assert window.open_study(str(gui_study), "ana", T)
    ctl = window.controller
    assert ctl is not None
    ctl.set_current(a - 1)
    key(qtbot, window, "c")  # ana's own code, in this window
    assert codes(window, a - 1) == {"concordance": "1"}
    _, codable = ctl.progress
    with open_study(gui_study) as other:  # as another window of ana's would
        clear_code(other, coder="ana", transcript=T, segment=a, dimension="concordance")
        set_code(
            other, coder="ana", transcript=T, segment=b, dimension="resistance", value="strong"
        )
        set_segment_memo(other, coder="ana", transcript=T, segment=b, text="sighs")
        set_completed(other, coder="ana", transcript=T)
    qtbot.waitUntil(lambda: ctl.completed, timeout=5000)
    assert codes(window, a - 1) == {}
    assert codes(window, b - 1) == {"resistance": "strong"}
    assert ctl.model.segment(b - 1).memo == "sighs"
    assert ctl.progress == (1, codable)
    assert window.transcripts.row_text(T)[4] == "✓"
    assert window.session_panel is not None
    assert "Complete" in window.session_panel.state.text()


def test_a_key_pressed_before_the_window_noticed_says_what_is_stored(
    qtbot, window: MainWindow, gui_study: Path, no_idle_checks
) -> None:
    a, b = patient_segments(str(gui_study), 2)
    assert window.open_study(str(gui_study), "ana", T)
    ctl = window.controller
    assert ctl is not None and window.codebook_panel is not None
    with open_study(gui_study) as other:
        set_code(other, coder="ana", transcript=T, segment=a, dimension="concordance", value="1")
        set_code(other, coder="ana", transcript=T, segment=b, dimension="resistance", value="mild")
    ctl.set_current(a - 1)
    key(qtbot, window, "c")  # the window shows '—': the coder means "present"; it is
    assert status(window) == (
        f"No change: concordance was already 1 (segment {a}; changed elsewhere; now shown)."
    )
    assert codes(window, a - 1) == {"concordance": "1"}
    assert codes(window, b - 1) == {"resistance": "mild"}  # the whole view is now current
    assert window.codebook_panel.value_text("concordance") == "present"
    assert ctl.progress[0] == 2
    assert ctl.undo_stack.count() == 0  # nothing was done, nothing to undo

    with open_study(gui_study) as other:  # cleared elsewhere while the window shows them
        clear_code(other, coder="ana", transcript=T, segment=a, dimension="concordance")
    key(qtbot, window, Qt.Key.Key_Delete)
    assert status(window) == (
        f"No change: segment {a} had no codes any more (changed elsewhere; now shown)."
    )
    assert codes(window, a - 1) == {} and ctl.progress[0] == 1

    ctl.set_current(b - 1)
    with open_study(gui_study) as other:
        set_code(
            other, coder="ana", transcript=T, segment=b, dimension="resistance", value="strong"
        )
    key(qtbot, window, "r")
    key(qtbot, window, "s")
    assert status(window).startswith("No change: resistance was already strong")
    assert codes(window, b - 1) == {"resistance": "strong"}


def test_a_coders_login_on_a_server_sees_what_was_stored_elsewhere(
    qtbot, window: MainWindow, make_lab, answer, no_idle_checks
) -> None:
    lab = make_lab(coders=("ana", "ben"), leads=("lead",))
    a, b = patient_segments(lab.url("owner"), 2)
    assert window.open_study(lab.url("ana"), "ana", T)
    ctl = window.controller
    assert ctl is not None and ctl.study.login_coder == "ana"
    _, codable = ctl.progress
    with open_study(lab.url("lead")) as lead:  # a lead's login changes ana's work
        set_code(lead, coder="ana", transcript=T, segment=a, dimension="concordance", value="1")
    with open_study(lab.url("ana")) as second:  # ana's other window
        set_code(second, coder="ana", transcript=T, segment=b, dimension="resistance", value="mild")
    with open_study(lab.url("ben")) as ben:
        set_code(ben, coder="ben", transcript=T, segment=a, dimension="resistance", value="none")
    activate(window)
    qtbot.waitUntil(lambda: codes(window, a - 1) == {"concordance": "1"}, timeout=5000)
    assert codes(window, b - 1) == {"resistance": "mild"}
    assert ctl.progress == (2, codable)
    text = uncoded_in_check(qtbot, window, answer)
    assert f"{codable - 2} codable segments are left uncoded" in text
    settle(qtbot, window)  # the check's box is gone and the window active again, and checked

    with open_study(lab.url("lead")) as lead:  # not yet noticed when the key comes
        set_code(lead, coder="ana", transcript=T, segment=b, dimension="resistance", value="strong")
    ctl.set_current(b - 1)
    key(qtbot, window, "r")
    key(qtbot, window, "s")
    assert status(window) == (
        f"No change: resistance was already strong (segment {b}; changed elsewhere; now shown)."
    )
    assert codes(window, b - 1) == {"resistance": "strong"}
    key(qtbot, window, "c")  # her own code, through the study's functions
    with open_study(lab.url("ana")) as study:
        assert show_transcript(study, T, coder="ana").segments[b - 1].codes == {
            "resistance": "strong",
            "concordance": "1",
        }


def test_the_completion_check_counts_what_is_stored_even_before_the_window_noticed(
    qtbot, window: MainWindow, gui_study: Path, answer, no_idle_checks
) -> None:
    a, b = patient_segments(str(gui_study), 2)
    assert window.open_study(str(gui_study), "ana", T)
    ctl = window.controller
    assert ctl is not None
    _, codable = ctl.progress
    with open_study(gui_study) as other:
        set_code(other, coder="ana", transcript=T, segment=a, dimension="concordance", value="1")
        set_code(other, coder="ana", transcript=T, segment=b, dimension="resistance", value="mild")
    text = uncoded_in_check(qtbot, window, answer)  # Ctrl+Enter at once: no activation, no timer
    assert f"{codable - 2} codable segments are left uncoded" in text
    assert codes(window, a - 1) == {"concordance": "1"}


def test_a_transcript_imported_elsewhere_joins_the_list_when_the_window_re_reads(
    window: MainWindow, gui_study: Path, tmp_path: Path, no_idle_checks
) -> None:
    """The re-read after a change elsewhere compares the transcripts listed with the study's
    and reloads the list when they differ."""
    assert window.open_study(str(gui_study), "ana", T)
    ctl = window.controller
    assert ctl is not None
    listed = window.transcripts.names()
    assert T in listed and "P09_session01" not in listed
    source = tmp_path / "P09_session01.txt"
    source.write_text("T: How was the week?\nP: Better, I tried the diary.\n", encoding="utf-8")
    with open_study(gui_study) as other:  # the lead imports from another window
        import_transcripts(other, [ImportItem(path=source)])
    watch.show_changed_elsewhere(window, ctl, window.transcripts, window.refresh_transcripts)
    assert window.transcripts.names() == listed | {"P09_session01"}
