"""Each assignment service returns the change it made (``.change``), built from the rows it
wrote: the lead's window reports it as it is (issue #12). Each change names exactly the
transcripts and coders touched, nothing that was skipped."""

from __future__ import annotations

from pathlib import Path

from socialcoder.services.assignments import (
    Assignment,
    apply_assignments_stored,
    assign_pairs_stored,
    restore_assignments_stored,
    unassign_pairs,
)
from socialcoder.services.design import design_spec, draw_plan, store_plan
from socialcoder.services.study import open_study
from socialcoder.services.study_change import ChangeKind, StudyChange

T1, T2, T3 = "P01_session02", "P02_session04", "P03_session06"
ASSIGNMENTS = frozenset({ChangeKind.ASSIGNMENTS})


def test_assigning_by_hand_names_only_the_new_pairs(sample_study: Path) -> None:
    with open_study(sample_study) as study:
        first = assign_pairs_stored(study, [(T1, "ana")])
        assert first.change == StudyChange(ASSIGNMENTS, frozenset({T1}), frozenset({"ana"}))
        again = assign_pairs_stored(study, [(T1, "ana"), (T2, "ben")])  # (T1, ana) skipped
        assert again.change == StudyChange(ASSIGNMENTS, frozenset({T2}), frozenset({"ben"}))
        assert assign_pairs_stored(study, [(T1, "ana")]).change == StudyChange()


def test_unassigning_and_putting_back_name_only_what_they_moved(sample_study: Path) -> None:
    with open_study(sample_study) as study:
        assign_pairs_stored(study, [(T1, "ana"), (T2, "ben")])
        removed = unassign_pairs(study, [(T1, "ana"), (T3, "ana")])  # (T3, ana) never was
        assert removed.change == StudyChange(ASSIGNMENTS, frozenset({T1}), frozenset({"ana"}))
        assign_pairs_stored(study, [(T1, "ana")])  # assigned again meanwhile
        gone = unassign_pairs(study, [(T2, "ben")])
        back = restore_assignments_stored(study, [*removed, *gone])  # (T1, ana) left as it is
        assert back.change == StudyChange(ASSIGNMENTS, frozenset({T2}), frozenset({"ben"}))
        assert unassign_pairs(study, [(T3, "ben")]).change == StudyChange()


def test_a_plan_names_the_pairs_it_stored(sample_study: Path) -> None:
    with open_study(sample_study) as study:
        assign_pairs_stored(study, [(T1, "ana")])
        plan = [
            Assignment(coder="ana", transcript=T1, purpose="primary"),  # already: skipped
            Assignment(coder="ben", transcript=T1, purpose="reliability"),
            Assignment(coder="ana", transcript=T3, purpose="primary"),
        ]
        stored = apply_assignments_stored(study, plan)
        assert stored.change == StudyChange(
            ASSIGNMENTS, frozenset({T1, T3}), frozenset({"ana", "ben"})
        )


def test_a_design_plan_names_the_pairs_it_stored(sample_study: Path) -> None:
    with open_study(sample_study) as study:
        assign_pairs_stored(study, [(T1, "ana")])  # T1 is not in the plan (assigned already)
        spec = design_spec(["ben"], overlap_percent=0, seed=3)
        stored = store_plan(study, draw_plan(study, spec))
        assert stored.stored == 2
        assert stored.change == StudyChange(ASSIGNMENTS, frozenset({T2, T3}), frozenset({"ben"}))


def test_the_coder_services_return_the_change_they_made(sample_study: Path) -> None:
    """Adding, renaming and (de)activating a coder return their change (the lead's window
    reports it as it is), each naming the coders it touched: the coders added; a rename the
    old and new names, its second pass's too (every transcript: a renamed coder is in every
    figure of theirs); a (de)activation that coder."""
    from socialcoder.services.coders import add_coders, rename_coder, set_coder_active

    coders = frozenset({ChangeKind.CODERS})
    with open_study(sample_study) as study:
        added = add_coders(study, [" dora ", "eli"])
        assert added == ["dora", "eli"]  # still the names, as every caller reads them
        assert added.change == StudyChange(coders, coders=frozenset({"dora", "eli"}))
        assert rename_coder(study, "dora", "dana") == StudyChange(
            coders, coders=frozenset({"dora", "dana"})
        )
        assert set_coder_active(study, "dana", False) == StudyChange(
            coders, coders=frozenset({"dana"})
        )
        assert set_coder_active(study, "dana", True) == StudyChange(
            coders, coders=frozenset({"dana"})
        )


def test_the_import_settings_and_withdrawal_services_return_their_change(
    sample_study: Path, tmp_path: Path
) -> None:
    """Importing transcripts and codes, storing settings and withdrawing a participant return
    the change each made, naming what it touched where it can; a dry run changes nothing."""
    from socialcoder.services.codes_import import import_codes_csv
    from socialcoder.services.settings import set_settings
    from socialcoder.services.transcript_import import ImportItem, import_transcripts
    from socialcoder.services.withdraw import withdraw_participant

    K = ChangeKind
    sample = Path(__file__).resolve().parents[2] / "sample_transcripts" / "P01_session01.txt"
    new = tmp_path / "P09_session01.txt"
    new.write_text(sample.read_text(encoding="utf-8"), encoding="utf-8")
    with open_study(sample_study) as study:
        imported = import_transcripts(study, [ImportItem(new, participant="P09", session=1)])
        assert imported.change == StudyChange.of(K.TRANSCRIPTS, transcripts=["P09_session01"])
        codes = tmp_path / "codes.csv"
        codes.write_text(
            "transcript,segment,coder,dimension,value,memo\n"
            "P09_session01,2,zoe,concordance,1,\n"
            "P09_session01,,consensus,goal_agreement,4,\n",
            encoding="utf-8",
        )
        summary = import_codes_csv(study, codes, complete=True, add_coders=True)
        assert summary.change == StudyChange.of(
            K.CODES,
            K.CONSENSUS,
            K.CODERS,
            K.COMPLETIONS,
            transcripts=["P09_session01"],
            coders=["zoe", "consensus"],
        )
        again = import_codes_csv(study, codes)  # the same codes: nothing changed
        assert again.change == StudyChange()
        assert set_settings(study, {"blinding": "on"}).change == StudyChange.of(K.SETTINGS)
        assert withdraw_participant(study, "P09", dry_run=True).change == StudyChange()
        assert withdraw_participant(study, "P09").change == StudyChange.everything()


def test_one_assignment_and_an_event_return_their_change(sample_study: Path) -> None:
    """The command line's one assignment returns it as stored, with its change (none when it
    already was); an event recorded returns EVENTS."""
    from socialcoder.services.assignments import assign
    from socialcoder.services.audit_events import record_event

    with open_study(sample_study) as study:
        added = assign(study, coder="ana", transcript=T1)
        assert [(a.coder, a.transcript) for a in added] == [("ana", T1)]
        assert added.change == StudyChange(ASSIGNMENTS, frozenset({T1}), frozenset({"ana"}))
        again = assign(study, coder="ana", transcript=T1)
        assert not again and again.change == StudyChange()
        assert record_event(study, "exported") == StudyChange.of(ChangeKind.EVENTS)
