"""A long transcript (20,000 turns) in the coding window: read a page at a time, and every
coding action works on rows not read yet (jump, code, next uncoded, find, changes made
elsewhere). The speed itself is measured by benchmarks/bench_gui.py, not here."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from socialcoder.codebooks import DEFAULT_CODEBOOK_PATH
from socialcoder.domain.rules import coder_progress, next_uncoded
from socialcoder.gui.main_window import MainWindow
from socialcoder.gui.segment_model import CHIPS_ROLE, PAGE
from socialcoder.services.coders import add_coders
from socialcoder.services.coding import set_code
from socialcoder.services.settings import set_setting
from socialcoder.services.study import create_study, open_study
from socialcoder.services.transcript_import import ImportItem, import_transcripts
from socialcoder.services.transcript_view import (
    find_segments,
    next_uncoded_segment,
    show_transcript,
)

TURNS = 20_000
NAME = "long"
NEEDLE_AT = 15_001  # the only turn with the word "zebra"


def _write(folder: Path) -> Path:
    """FICTIONAL transcript: alternating therapist (odd) and patient (even) turns."""
    lines = ["FICTIONAL TRANSCRIPT generated for a test."]
    for i in range(1, TURNS + 1):
        s = 5 * i
        speaker = "T" if i % 2 else "P"
        word = "zebra" if i == NEEDLE_AT else "walk"
        lines.append(
            f"[{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}] {speaker}: Turn {i}, a {word}."
        )
    path = folder / f"{NAME}.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def long_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("long")
    path = folder / "long.scstudy"
    study = create_study(path, codebook_path=DEFAULT_CODEBOOK_PATH, name="Long transcript")
    try:
        import_transcripts(study, [ImportItem(path=_write(folder))])
        add_coders(study, ["ana"])
        set_setting(study, "blinding", "off")
    finally:
        study.close()
    return path


@pytest.fixture
def long_study(long_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "long.scstudy"
    shutil.copy(long_template, path)
    return path


def _open(window: MainWindow, path: Path):
    assert window.open_study(str(path), "ana", NAME)
    ctl = window.controller
    assert ctl is not None
    return ctl


def _key(qtbot, window: MainWindow, k: str | Qt.Key, mods=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    qtbot.keyClick(window.segment_view, k, mods)


def test_opens_with_a_page_and_reads_more_as_it_scrolls(qtbot, window, long_study) -> None:
    ctl = _open(window, long_study)
    model = ctl.model
    assert model.total == TURNS
    assert model.rowCount() < TURNS  # only the first pages are read
    assert model.segment(0).index == 1 and ctl.current_row() == 0
    assert ctl.progress == (0, TURNS // 2)  # patient turns are codable
    before = model.rowCount()
    window.segment_view.scrollToBottom()
    qtbot.waitUntil(lambda: model.rowCount() > before, timeout=5000)
    rows = model.rowCount()
    assert [model.segment(r).index for r in range(rows)] == list(range(1, rows + 1))


def test_end_then_code_the_last_segment(qtbot, window, long_study) -> None:
    ctl = _open(window, long_study)
    _key(qtbot, window, Qt.Key.Key_End)
    seg = ctl.current_segment()
    assert seg is not None and seg.index == TURNS and seg.role == "patient"
    _key(qtbot, window, "c")  # concordance, a binary patient code
    row = ctl.current_row()
    assert row == TURNS - 1
    model = ctl.model
    assert [t for t, _c in model.data(model.index(row), CHIPS_ROLE)] == ["concordance"]
    spoken = model.accessible_text(row)
    assert spoken.startswith(f"Segment {TURNS}, ") and "Your codes: " in spoken
    assert ctl.progress == (1, TURNS // 2)
    with open_study(long_study) as study:
        last = show_transcript(study, NAME, coder="ana", offset=TURNS - 1, limit=1)
    assert [(s.index, s.codes) for s in last.segments] == [(TURNS, {"concordance": "1"})]
    assert last.progress == (1, TURNS // 2)


def test_go_to_a_segment_not_read_yet(qtbot, window, long_study) -> None:
    ctl = _open(window, long_study)
    ctl.set_current(12_345)
    seg = ctl.current_segment()
    assert seg is not None and seg.index == 12_346
    assert window.segment_view.currentIndex().row() == 12_345
    text = ctl.model.accessible_text(12_345)
    assert text.startswith("Segment 12346, ") and "Not coded yet." in text


def test_next_uncoded_beyond_what_was_read_and_round(qtbot, window, long_study) -> None:
    ctl = _open(window, long_study)
    read = ctl.model.rowCount()
    ctl.set_current(read - 1)  # the last row read: the next uncoded turn is not read yet
    _key(qtbot, window, "n")
    seg = ctl.current_segment()
    assert seg is not None and seg.role == "patient" and seg.index in (read + 1, read + 2)
    _key(qtbot, window, Qt.Key.Key_End)
    _key(qtbot, window, "c")
    _key(qtbot, window, "n")  # segment 20000 is coded now: round to the first patient turn
    seg = ctl.current_segment()
    assert seg is not None and seg.index == 2


def test_find_a_word_in_a_segment_not_read_yet(qtbot, window, long_study) -> None:
    ctl = _open(window, long_study)
    assert ctl.model.rowCount() < NEEDLE_AT
    window.find_text("ZEBRA", True)
    seg = ctl.current_segment()
    assert seg is not None and seg.index == NEEDLE_AT
    assert window.find_bar.result.text() == "1 of 1"


def test_a_code_stored_elsewhere_counts_and_shows(qtbot, window, long_study) -> None:
    ctl = _open(window, long_study)
    assert window.watcher is not None
    with open_study(long_study) as other:  # another window: a read row and an unread one
        for segment in (2, 19_000):
            set_code(
                other, coder="ana", transcript=NAME, segment=segment,
                dimension="concordance", value="1",
            )  # fmt: skip
    assert window.watcher.check()
    assert ctl.model.segment(1).codes == {"concordance": "1"}
    assert ctl.progress == (2, TURNS // 2)
    ctl.set_current(18_999)
    seg = ctl.current_segment()
    assert seg is not None and seg.codes == {"concordance": "1"}


def test_the_services_page_count_and_search_agree_with_the_whole_transcript(long_study) -> None:
    with open_study(long_study) as study:
        for segment in (2, 4, 398, 402, 19_998):
            set_code(study, coder="ana", transcript=NAME, segment=segment,
                     dimension="resistance", value="mild")  # fmt: skip
        whole = show_transcript(study, NAME, coder="ana")
        page = show_transcript(study, NAME, coder="ana", offset=PAGE - 5, limit=10)
        assert page.segments == whole.segments[PAGE - 5 : PAGE + 5]
        assert page.total == TURNS and whole.total == TURNS
        assert page.progress == coder_progress(whole.segments, study.codebook) == (5, TURNS // 2)
        for after in (0, 1, 2, 3, 396, 19_997, 19_998, TURNS):
            row = next_uncoded(whole.segments, study.codebook, after - 1)
            found = next_uncoded_segment(study, NAME, coder="ana", after=after)
            assert found == (None if row is None else row + 1), after
        assert find_segments(study, NAME, " ZeBrA") == [NEEDLE_AT]
        assert find_segments(study, NAME, "turn 1999,") == [1999]


def test_details_follow_the_dimension_keys_and_the_zoom(qtbot, window, long_study) -> None:
    ctl = _open(window, long_study)
    panel = window.codebook_panel
    assert panel is not None
    ctl.set_current(1)  # a patient turn
    label = {k: ctl.codebook.dimension(k).label for k in ("concordance", "incongruent_principles")}
    for k in ("c", "i", "c", "i"):  # each stores a code and shows that dimension's details
        _key(qtbot, window, k)
        key = "concordance" if k == "c" else "incongruent_principles"
        assert label[key] in panel.details.toPlainText()
        other = next(v for d, v in label.items() if d != key)
        assert other not in panel.details.toPlainText()
    window.zoom(3)
    _key(qtbot, window, "c")
    size = panel.details.font().pointSizeF()
    assert panel.details.document().defaultFont().pointSizeF() == size


def test_undo_after_reopening_goes_to_a_segment_not_read_yet(qtbot, window, long_study) -> None:
    ctl = _open(window, long_study)
    _key(qtbot, window, Qt.Key.Key_End)
    _key(qtbot, window, "c")
    ctl.open_transcript(NAME)  # read anew: the first page only
    assert ctl.model.rowCount() < TURNS and ctl.progress == (1, TURNS // 2)
    _key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    seg = ctl.current_segment()
    assert seg is not None and seg.index == TURNS and seg.codes == {}
    assert ctl.progress == (0, TURNS // 2)
    with open_study(long_study) as study:
        last = show_transcript(study, NAME, coder="ana", offset=TURNS - 1, limit=1)
    assert last.segments[0].codes == {}
