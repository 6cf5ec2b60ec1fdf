"""A coding key's transaction reads what its checks need once (issue #14: a coding keypress is
stored within one frame): a regression guard on the number of statements per action, not a
timing. The checks themselves (the scale, the speaker role, a machine coder, a second pass)
are tested here on the same path, and in design/test_retest.py."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import event

from socialcoder.errors import NotFound, StudyError, UserError
from socialcoder.services.coders import add_coders
from socialcoder.services.coding import clear_code, set_code
from socialcoder.services.study import Study, now, open_study
from socialcoder.services.transcript_import import ImportItem, import_transcripts
from socialcoder.services.transcript_view import show_transcript
from socialcoder.storage.models import AuditRow, CoderRow

SAMPLES = Path(__file__).resolve().parents[2] / "sample_transcripts"
T1 = "P01_session02"

#: BEGIN, the coder (id, kind, whether the transcript is a retest label), the segment of the
#: named transcript, the code (FOR UPDATE), the audit entry, the code's insert or update.
#: It was 10 (the coder's kind read twice, the transcript and the segment apart, the retest
#: label on its own).
MOST = 6


@pytest.fixture
def study(target_study: str) -> Iterator[Study]:
    with open_study(target_study) as s:
        import_transcripts(s, [ImportItem(path=SAMPLES / f"{T1}.txt")])
        add_coders(s, ["ana"])
        assert s.dims  # the codebook's dimensions are read once, when first used
        yield s


@contextmanager
def counted(study: Study) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(study.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(study.engine, "before_cursor_execute", count)


def _turns(study: Study, role: str) -> list[int]:
    return [s.index for s in show_transcript(study, T1).segments if s.role == role]


def _audited(study: Study) -> int:
    with study.read() as session:
        return session.query(AuditRow).count()


def test_each_coding_action_reads_what_it_checks_once(study: Study) -> None:
    seg = _turns(study, "patient")[0]
    key = {"coder": "ana", "transcript": T1, "segment": seg}
    audited = _audited(study)
    for action in (
        lambda: set_code(study, **key, dimension="resistance", value="mild"),  # insert
        lambda: set_code(study, **key, dimension="resistance", value="strong"),  # update
        lambda: set_code(study, **key, dimension="resistance", value="strong"),  # no change
        lambda: clear_code(study, **key, dimension="resistance"),
        lambda: clear_code(study, **key, dimension="resistance"),  # nothing to clear
        lambda: set_code(study, **key, dimension="concordance", value="1"),
    ):
        with counted(study) as statements:
            action()
        assert 0 < len(statements) <= MOST, statements
    assert _audited(study) == audited + 4  # every change audited, no-ops not
    assert show_transcript(study, T1, coder="ana").segments[seg - 1].codes == {"concordance": "1"}


def test_the_checks_still_hold_on_that_path(study: Study) -> None:
    therapist, patient = _turns(study, "therapist")[0], _turns(study, "patient")[0]
    with pytest.raises(UserError, match="applies to"):
        set_code(study, coder="ana", transcript=T1, segment=therapist, dimension="resistance",
                 value="mild")  # fmt: skip
    with pytest.raises(StudyError):
        set_code(study, coder="ana", transcript=T1, segment=patient, dimension="resistance",
                 value="furious")  # fmt: skip
    with pytest.raises(NotFound, match="unknown coder 'nobody'"):
        set_code(study, coder="nobody", transcript=T1, segment=patient, dimension="concordance",
                 value="1")  # fmt: skip
    with pytest.raises(NotFound, match="there is no segment 9999"):
        set_code(study, coder="ana", transcript=T1, segment=9999, dimension="concordance",
                 value="1")  # fmt: skip
    with pytest.raises(NotFound, match="no transcript named 'nope'"):
        set_code(study, coder="ana", transcript="nope", segment=patient, dimension="concordance",
                 value="1")  # fmt: skip
    with study.write() as session:
        session.add(CoderRow(name="model", kind="machine", active=True, created_at=now()))
    for action in (set_code, clear_code):
        extra = {"value": "1"} if action is set_code else {}
        with pytest.raises(StudyError, match="'model' is a machine coder"):
            action(study, coder="model", transcript=T1, segment=patient,
                   dimension="concordance", **extra)  # fmt: skip
    assert not any(s.codes for s in show_transcript(study, T1, coder="ana").segments)
