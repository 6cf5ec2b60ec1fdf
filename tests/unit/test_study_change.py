"""The study-level change value (services/study_change.py): combining, what a view is
concerned by, the coding actions' Change values and audit-log entries turned into it."""

from __future__ import annotations

from datetime import UTC, datetime

from socialcoder.domain.states import EditKind
from socialcoder.services.assignments import StoredAssignment
from socialcoder.services.coding import Change
from socialcoder.services.study_change import (
    ALL_KINDS,
    AuditEntry,
    ChangeKind,
    StudyChange,
    assignments_change,
    audit_change,
)

K = ChangeKind


def test_an_empty_change_is_false_and_the_neutral_of_union() -> None:
    some = StudyChange.of(K.CODES, transcripts=["t1"], coders=["ana"], dimensions=["d"])
    assert not StudyChange() and some
    assert StudyChange() | some == some == some | StudyChange()


def test_union_widens_to_unknown_when_one_side_names_none() -> None:
    a = StudyChange.of(K.CODES, transcripts=["t1"], coders=["ana"], dimensions=["d"])
    b = StudyChange.of(K.CODERS, coders=["ben"])
    both = a | b
    assert both.kinds == {K.CODES, K.CODERS}
    assert both.coders == {"ana", "ben"}
    assert both.transcripts is None and both.dimensions is None


def test_concerns_looks_at_kinds_then_names() -> None:
    c = StudyChange.of(K.CODES, transcripts=["t1"], coders=["ana"], dimensions=["d"])
    assert c.concerns({K.CODES, K.COMPLETIONS})
    assert not c.concerns({K.ASSIGNMENTS})
    assert c.concerns({K.CODES}, coders=["ana", "ben"])
    assert not c.concerns({K.CODES}, coders=["ben"])
    assert not c.concerns({K.CODES}, transcripts=["t2"])
    assert not c.concerns({K.CODES}, dimensions=["other"])
    assert StudyChange.everything().concerns({K.CODES}, coders=["zoe"], transcripts=["t9"])
    assert StudyChange.everything().kinds == ALL_KINDS


def test_coding_changes_become_codes_memos_completions_or_consensus() -> None:
    changes = [
        Change(
            coder="ana",
            transcript="t1",
            segment=1,
            dimension="d",
            kind=EditKind.CODE,
            old_value=None,
            new_value="1",
        ),
        Change(
            coder="ana",
            transcript="t1",
            segment=2,
            dimension=None,
            kind=EditKind.MEMO,
            old_value=None,
            new_value=None,
            old_memo=None,
            new_memo="note",
        ),
        Change(
            coder="ben",
            transcript="t2",
            segment=None,
            dimension=None,
            kind=EditKind.COMPLETION,
            old_value="0",
            new_value="1",
        ),
        Change(
            coder="consensus",
            transcript="t3",
            segment=1,
            dimension="e",
            kind=EditKind.CODE,
            old_value="1",
            new_value="2",
        ),
        Change(
            coder="ben",
            transcript="t4",
            segment=1,
            dimension="d",
            kind=EditKind.CODE,
            old_value="1",
            new_value="1",
        ),  # nothing changed: left out
    ]
    c = StudyChange.from_changes(changes)
    assert c.kinds == {K.CODES, K.MEMOS, K.COMPLETIONS, K.CONSENSUS}
    assert c.transcripts == {"t1", "t2", "t3"} and c.coders == {"ana", "ben", "consensus"}
    assert c.dimensions is None  # a memo and a completion concern every dimension
    only_codes = StudyChange.from_changes(changes[:1])
    assert only_codes.dimensions == {"d"}
    assert StudyChange.from_changes(changes[4:]) == StudyChange()


def test_assignments_change_names_the_pairs() -> None:
    at = datetime(2026, 12, 1, tzinfo=UTC)
    rows = [
        StoredAssignment("ana", "t1", "primary", at),
        StoredAssignment("ben", "t2", "reliability", at),
    ]
    c = assignments_change(rows)
    assert c.kinds == {K.ASSIGNMENTS}
    assert c.transcripts == {"t1", "t2"} and c.coders == {"ana", "ben"}
    assert assignments_change([]) == StudyChange()


def test_audit_entries_become_the_same_value() -> None:
    entries = [
        AuditEntry("set", "ana", False, "t1", "d"),
        AuditEntry("assign", "ben", False, "t2", None),
        AuditEntry("set", "consensus", True, "t3", "e"),
    ]
    c = audit_change(entries)
    assert c.kinds == {K.CODES, K.ASSIGNMENTS, K.CONSENSUS}
    assert c.transcripts == {"t1", "t2", "t3"} and c.coders == {"ana", "ben", "consensus"}
    assert c.dimensions is None  # the assignment concerns every dimension
    assert audit_change(entries[:1]) == StudyChange.of(
        K.CODES, transcripts=["t1"], coders=["ana"], dimensions=["d"]
    )
    # an entry whose transcript is gone: any transcript
    assert audit_change([AuditEntry("reopen", "ana", False, None, None)]).transcripts is None
    # an action this module does not know: everything
    assert audit_change([AuditEntry("something new", "ana", False, "t1", None)]) == (
        StudyChange.everything()
    )
    assert audit_change([]) == StudyChange()


def test_covers_tells_whether_a_change_adds_nothing() -> None:
    own = StudyChange.of(K.ASSIGNMENTS, transcripts=["t1"], coders=["ana"])
    assert own.covers(own) and own.covers(StudyChange())
    assert not own.covers(StudyChange.of(K.ASSIGNMENTS, transcripts=["t2"], coders=["ana"]))
    assert not own.covers(StudyChange.of(K.CODES, transcripts=["t1"], coders=["ana"]))
    assert not own.covers(StudyChange.of(K.ASSIGNMENTS))  # any transcript: more than t1
    assert StudyChange.of(K.CODERS).covers(StudyChange.of(K.CODERS, coders=["dora"]))


def test_settings_and_events_leave_the_names_of_what_they_come_with() -> None:
    codes = StudyChange.of(K.CODES, transcripts=["t1"], coders=["ana"], dimensions=["d"])
    for both in (codes | StudyChange.of(K.EVENTS), StudyChange.of(K.SETTINGS) | codes):
        assert both.kinds == {K.CODES, K.EVENTS} or both.kinds == {K.CODES, K.SETTINGS}
        assert both.coders == {"ana"} and both.transcripts == {"t1"}
        assert not both.concerns({K.CODES}, coders=["ben"])
    assert (StudyChange.of(K.EVENTS) | StudyChange.of(K.SETTINGS)).kinds == {K.EVENTS, K.SETTINGS}
