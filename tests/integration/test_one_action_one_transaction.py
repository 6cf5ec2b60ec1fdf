"""One user action, one transaction: a failure half way through an action made of several
changes (clearing a segment, undoing that, assigning several cells) leaves the study exactly
as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from socialcoder.errors import StudyError
from socialcoder.services import assignments as assignments_module
from socialcoder.services import coding as coding_module
from socialcoder.services.assignments import assign_pairs, list_assignments
from socialcoder.services.coders import add_coders
from socialcoder.services.coding import clear_segment, set_code
from socialcoder.services.study import open_study
from socialcoder.services.transcript_import import ImportItem, import_transcripts
from socialcoder.services.transcript_view import show_transcript
from socialcoder.services.undo import apply_changes

SAMPLES = Path(__file__).resolve().parents[2] / "sample_transcripts"
T1, T2 = "P01_session02", "P03_session06"


@pytest.fixture
def study(target_study: str):
    with open_study(target_study) as s:
        import_transcripts(
            s,
            [
                ImportItem(path=SAMPLES / "P01_session02.txt"),
                ImportItem(path=SAMPLES / "P03_session06.txt"),
            ],
        )
        add_coders(s, ["ana", "ben"])
        yield s


def _fail_on_call(monkeypatch, module, n: int) -> None:
    """Make the module's audit() refuse its n-th call (as a server refusal would)."""
    real = module.audit
    calls = {"n": 0}

    def audit(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == n:
            raise StudyError("refused half way")
        return real(*args, **kwargs)

    monkeypatch.setattr(module, "audit", audit)


def _codes(study, segment: int) -> dict[str, str]:
    view = show_transcript(study, T1, coder="ana")
    return next(s.codes for s in view.segments if s.index == segment)


def _coded_segment(study) -> int:
    seg = next(s.index for s in show_transcript(study, T1).segments if s.role == "patient")
    for dim, value in (
        ("concordance", "1"),
        ("resistance", "mild"),
        ("incongruent_principles", "1"),
    ):
        set_code(study, coder="ana", transcript=T1, segment=seg, dimension=dim, value=value)
    return seg


def test_clearing_a_segment_is_all_or_nothing(study, monkeypatch, dump, target_study):
    seg = _coded_segment(study)
    before = dump(target_study)
    _fail_on_call(monkeypatch, coding_module, 2)
    with pytest.raises(StudyError, match="refused half way"):
        clear_segment(study, coder="ana", transcript=T1, segment=seg)
    assert dump(target_study) == before
    monkeypatch.undo()
    changes = clear_segment(study, coder="ana", transcript=T1, segment=seg)
    assert [c.dimension for c in changes] == ["concordance", "incongruent_principles", "resistance"]
    assert _codes(study, seg) == {}


def test_undoing_a_segment_clear_is_all_or_nothing(study, monkeypatch, dump, target_study):
    seg = _coded_segment(study)
    changes = clear_segment(study, coder="ana", transcript=T1, segment=seg)
    before = dump(target_study)
    _fail_on_call(monkeypatch, coding_module, 2)
    with pytest.raises(StudyError):
        apply_changes(study, changes, undo=True)
    assert dump(target_study) == before
    monkeypatch.undo()
    redone = apply_changes(study, changes, undo=True)
    assert [c.new_value for c in redone] == ["mild", "1", "1"]  # backwards
    assert _codes(study, seg) == {
        "concordance": "1",
        "resistance": "mild",
        "incongruent_principles": "1",
    }


def test_assigning_several_cells_is_all_or_nothing(study, monkeypatch, dump, target_study):
    before = dump(target_study)
    _fail_on_call(monkeypatch, assignments_module, 3)
    pairs = [(T1, "ana"), (T1, "ben"), (T2, "ben")]
    with pytest.raises(StudyError):
        assign_pairs(study, pairs)
    assert dump(target_study) == before
    monkeypatch.undo()
    assert assign_pairs(study, pairs) == 3
    assert {(a.transcript, a.coder, a.purpose) for a in list_assignments(study)} == {
        (T1, "ana", "primary"),
        (T1, "ben", "reliability"),
        (T2, "ben", "primary"),
    }
    assert assign_pairs(study, pairs) == 0


def test_a_coders_login_clears_its_segment_through_the_servers_functions(make_lab):
    """Server mode: a coder's login has no privilege on the codes table; clearing a segment
    goes through the study's functions, all of it in one transaction, audited by the server."""
    lab = make_lab(coders=("ana",), leads=())
    with open_study(lab.url("ana")) as ana:
        seg = _coded_segment(ana)
        changes = clear_segment(ana, coder="ana", transcript=T1, segment=seg)
        assert [c.old_value for c in changes] == ["1", "1", "mild"]
        assert _codes(ana, seg) == {}
        apply_changes(ana, changes, undo=True)
        assert _codes(ana, seg) == {
            "concordance": "1",
            "resistance": "mild",
            "incongruent_principles": "1",
        }
    rows = lab.sql("admin", "SELECT action FROM audit_log ORDER BY id")
    assert [r[0] for r in rows].count("clear") == 3
