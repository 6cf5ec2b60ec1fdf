"""Unassigning in PostgreSQL server mode (issue #18): a lead's login takes an assignment back
and puts it back exactly (the lead window's undo), the server's trigger writes the audit log
with the login as actor; a coder's login can do neither."""

from __future__ import annotations

import pytest

from socialcoder.errors import StudyError
from socialcoder.services.assignments import (
    assign_pairs_stored,
    list_assignments,
    restore_assignments,
    unassign_pairs,
)
from socialcoder.services.coding import set_code
from socialcoder.services.study import open_study

T = "P01_session02"


def _rows(lab) -> list[tuple[object, ...]]:
    return sorted(
        lab.sql(
            "admin",
            "SELECT c.name, a.purpose, a.assigned_at, a.position, a.anchor, a.plan_id "
            "FROM assignments a JOIN coders c ON c.id = a.coder_id",
        )
    )


def test_a_lead_unassigns_and_restores_and_a_coder_cannot(make_lab, dump_pg) -> None:
    lab = make_lab()
    with open_study(lab.url("lead")) as lead:
        assign_pairs_stored(lead, [(T, "ana"), (T, "ben")])
    with open_study(lab.url("ben")) as ben:  # ben starts coding
        set_code(ben, coder="ben", transcript=T, segment=2, dimension="concordance", value="1")
    before = _rows(lab)
    assert [r[:2] for r in before] == [("ana", "primary"), ("ben", "reliability")]

    state = dump_pg(lab.url("admin"))
    with open_study(lab.url("ana")) as ana, pytest.raises(StudyError):  # a coder's login
        unassign_pairs(ana, [(T, "ben")])  # refused, nothing changes
    assert dump_pg(lab.url("admin")) == state

    with open_study(lab.url("lead")) as lead:
        removed = unassign_pairs(lead, [(T, "ben")])
        assert [(a.coder, a.purpose) for a in removed] == [("ben", "reliability")]
        assert {(a.coder, a.transcript) for a in list_assignments(lead)} == {("ana", T)}
    codes = lab.sql("admin", "SELECT count(*) FROM codes")
    assert codes == [(1,)]  # ben's code stays
    audit = lab.sql(
        "admin",
        "SELECT a.actor, a.old_value FROM audit_log a JOIN coders c ON c.id = a.coder_id "
        "WHERE a.action = 'unassign' AND c.name = 'ben'",
    )
    assert audit == [(lab.login("lead"), "reliability")]  # the server's trigger: the login

    with open_study(lab.url("ana")) as ana, pytest.raises(StudyError):
        restore_assignments(ana, removed)
    with open_study(lab.url("lead")) as lead:
        assert restore_assignments(lead, removed) == 1
    assert _rows(lab) == before  # back exactly as it was (the window's undo)
