"""Taking assignments back and putting them back exactly (the window's undo uses this), on SQLite
and PostgreSQL (``target_sample``: the PostgreSQL variant runs when SOCIALCODER_TEST_PG_URL is
set); server mode (a lead's login and a coder's) is in server/test_server_unassign.py."""

from __future__ import annotations

from pathlib import Path

from socialcoder.services.assignments import (
    StoredAssignment,
    assign_pairs_stored,
    restore_assignments,
    unassign_pairs,
)
from socialcoder.services.design import design_spec, draw_plan, store_plan
from socialcoder.services.study import open_study
from socialcoder.storage.models import AssignmentRow


def _rows(study_path: Path | str) -> set[tuple[object, ...]]:
    with open_study(study_path) as study, study.read() as session:
        return {
            (r.coder_id, r.transcript_id, r.purpose, r.assigned_at, r.position, r.anchor, r.plan_id)
            for r in session.query(AssignmentRow)
        }


def test_unassign_then_restore_gives_back_the_same_rows(target_sample: str) -> None:
    sample_study = target_sample
    with open_study(sample_study) as study:
        spec = design_spec(["ana", "ben"], overlap_percent=50, covert=True, anchors=1, seed=3)
        store_plan(study, draw_plan(study, spec))
    before = _rows(sample_study)
    assert any(r[4] is not None for r in before) and any(r[6] is not None for r in before)
    with open_study(sample_study) as study:
        pairs = sorted({(a.transcript, a.coder) for a in _all(study)})
        removed = unassign_pairs(study, pairs)
        assert len(removed) == len(before)
        assert unassign_pairs(study, pairs) == []  # nothing left to take back
    assert _rows(sample_study) == set()
    with open_study(sample_study) as study:
        assert restore_assignments(study, removed) == len(removed)
        assert restore_assignments(study, removed) == 0  # already back: left as it is
    assert _rows(sample_study) == before


def test_assign_undo_removes_only_what_it_added(sample_study: Path) -> None:
    with open_study(sample_study) as study:
        first = assign_pairs_stored(study, [("P01_session02", "ana")])
        again = assign_pairs_stored(study, [("P01_session02", "ana"), ("P01_session02", "ben")])
        assert [(a.coder, a.purpose) for a in first] == [("ana", "primary")]
        assert [(a.coder, a.purpose) for a in again] == [("ben", "reliability")]
        assert isinstance(again[0], StoredAssignment)
        unassign_pairs(study, [(a.transcript, a.coder) for a in again])
    assert {(r[0], r[2]) for r in _rows(sample_study)} == {
        (_coder_id(sample_study, "ana"), "primary")
    }


def _all(study):
    from socialcoder.services.assignments import list_assignments

    return list_assignments(study)


def test_unassign_writes_the_audit_log_and_keeps_codes(target_sample: str) -> None:
    from sqlalchemy import func, select

    from socialcoder.storage.models import AuditRow, CodeRow

    with open_study(target_sample) as study:
        assign_pairs_stored(study, [("P01_session02", "ana"), ("P01_session02", "ben")])
        with study.read() as session:
            codes = session.scalar(select(func.count()).select_from(CodeRow))
        removed = unassign_pairs(study, [("P01_session02", "ben")], actor="Dr Lead")
        assert [(a.coder, a.purpose) for a in removed] == [("ben", "reliability")]
        with study.read() as session:
            assert session.scalar(select(func.count()).select_from(CodeRow)) == codes
            entries = session.execute(
                select(AuditRow.actor, AuditRow.action, AuditRow.old_value).where(
                    AuditRow.action == "unassign"
                )
            ).all()
    assert [tuple(e) for e in entries] == [("Dr Lead", "unassign", "reliability")]
    assert {(r[2]) for r in _rows(target_sample)} == {"primary"}


def _coder_id(path: Path | str, name: str) -> int:
    from socialcoder.services.coders import coder_id

    with open_study(path) as study, study.read() as session:
        return coder_id(session, name)
