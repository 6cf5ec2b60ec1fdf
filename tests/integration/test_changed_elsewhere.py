"""Detecting changes made elsewhere (services/changes.py): a second Study object stands for
another window or process, on SQLite files and PostgreSQL (plain and server mode with a coder's
login); and the differences a window is shown, as Change values."""

from __future__ import annotations

from pathlib import Path

from socialcoder.domain.states import EditKind
from socialcoder.services.changes import StudyWatch, coder_changes
from socialcoder.services.coding import Change, set_code, set_completed, set_segment_memo
from socialcoder.services.study import open_study
from socialcoder.services.transcript_view import show_transcript

T = "P01_session02"


def _patient(target: str) -> list[int]:
    with open_study(target) as study:
        return [s.index for s in show_transcript(study, T).segments if s.role == "patient"]


def test_a_coders_watch_notices_her_changes_made_elsewhere_and_only_hers(
    target_sample: str,
) -> None:
    seg = _patient(target_sample)[0]
    with open_study(target_sample) as window, open_study(target_sample) as other:
        mine, everything = StudyWatch(window, "ana"), StudyWatch(window)
        try:
            assert not mine.changed() and not everything.changed()
            set_code(
                other,
                coder="ben",
                transcript=T,
                segment=seg,
                dimension="resistance",
                value="strong",
            )
            assert not mine.changed()  # ben's work is not ana's
            assert everything.changed() and not everything.changed()
            set_code(
                other,
                coder="ana",
                transcript=T,
                segment=seg,
                dimension="resistance",
                value="strong",
            )
            assert mine.changed() and not mine.changed()
            set_completed(other, coder="ana", transcript=T, completed=False)
            assert mine.changed()
            set_segment_memo(window, coder="ana", transcript=T, segment=seg, text="own")
            assert mine.changed()  # its own window's change too: the re-read finds no news
            assert not mine.changed()
        finally:
            mine.close()
            everything.close()


def test_a_coders_login_counts_only_her_own_changes(make_lab) -> None:
    lab = make_lab(coders=("ana", "ben"), leads=("lead",))
    seg = _patient(lab.url("owner"))[0]
    with open_study(lab.url("ana")) as window, open_study(lab.url("lead")) as lead:
        assert window.login_coder == "ana"
        mine = StudyWatch(window, "ana")
        assert not mine.changed()
        with open_study(lab.url("ben")) as ben:
            set_code(
                ben, coder="ben", transcript=T, segment=seg, dimension="concordance", value="1"
            )
        assert not mine.changed()
        set_code(
            lead, coder="ana", transcript=T, segment=seg, dimension="resistance", value="mild"
        )  # a lead's login changes ana's work
        assert mine.changed() and not mine.changed()
        with open_study(lab.url("ana")) as second:
            set_completed(second, coder="ana", transcript=T)
        assert mine.changed()
        mine.close()
    # what the function tells a coder: a count of her own entries, no ids
    assert lab.sql("ana", "SELECT sc_my_changes()") == [(2,)]
    assert lab.sql("ben", "SELECT sc_my_changes()") == [(1,)]


def test_coder_changes_lists_each_difference(sample_study) -> None:
    with open_study(sample_study) as study:
        before = show_transcript(study, T, coder="ana")
        patients = [s.index for s in before.segments if s.role == "patient"]
        a = next(i for i in patients if not before.segments[i - 1].codes)
        b = next(i for i in patients if "concordance" in before.segments[i - 1].codes)
        old_b = before.segments[b - 1].codes["concordance"]
        set_code(study, coder="ana", transcript=T, segment=a, dimension="resistance", value="mild")
        set_code(
            study,
            coder="ana",
            transcript=T,
            segment=b,
            dimension="concordance",
            value="0" if old_b == "1" else "1",
        )
        set_segment_memo(study, coder="ana", transcript=T, segment=a, text="a memo")
        set_code(
            study,
            coder="ana",
            transcript=T,
            segment=None,
            dimension="goal_agreement",
            value="3" if before.session_codes.get("goal_agreement") != "3" else "4",
        )
        set_completed(study, coder="ana", transcript=T, completed=not before.completed)
        after = show_transcript(study, T, coder="ana")
    found = coder_changes(before.segments, before.session_codes, before.completed, after)
    new_goal = after.session_codes["goal_agreement"]
    assert found == [
        Change(
            coder="ana",
            transcript=T,
            segment=a,
            dimension="resistance",
            kind=EditKind.CODE,
            old_value=None,
            new_value="mild",
        ),
        Change(
            coder="ana",
            transcript=T,
            segment=a,
            dimension=None,
            kind=EditKind.MEMO,
            old_value=None,
            new_value=None,
            old_memo=before.segments[a - 1].memo,
            new_memo="a memo",
        ),
        Change(
            coder="ana",
            transcript=T,
            segment=b,
            dimension="concordance",
            kind=EditKind.CODE,
            old_value=old_b,
            new_value="0" if old_b == "1" else "1",
        ),
        Change(
            coder="ana",
            transcript=T,
            segment=None,
            dimension="goal_agreement",
            kind=EditKind.CODE,
            old_value=before.session_codes.get("goal_agreement"),
            new_value=new_goal,
        ),
        Change(
            coder="ana",
            transcript=T,
            segment=None,
            dimension=None,
            kind=EditKind.COMPLETION,
            old_value=str(int(before.completed)),
            new_value=str(int(not before.completed)),
        ),
    ]
    assert coder_changes(after.segments, after.session_codes, after.completed, after) == []


def test_a_server_set_up_before_the_count_existed_says_maybe(make_lab) -> None:
    lab = make_lab(coders=("ana",), leads=())
    lab.sql("admin", "DROP FUNCTION sc_my_changes()")
    with open_study(lab.url("ana")) as window:
        mine = StudyWatch(window, "ana")
        assert mine.changed() and mine.changed()  # unknown: the window re-reads each time
        mine.close()


def test_segments_not_shown_are_not_compared(sample_study) -> None:
    with open_study(sample_study) as study:
        view = show_transcript(study, T, coder="ana")
    assert coder_changes([], view.session_codes, view.completed, view) == []


def test_the_study_watch_says_what_changed_elsewhere(target_sample: str) -> None:
    """The lead's watch (the whole study) reads the audit entries after the last one seen and
    turns them into the StudyChange a window's own action gives; what is not audited (coders)
    is found by its counts."""
    from socialcoder.services.assignments import assign_pairs_stored
    from socialcoder.services.coders import add_coders
    from socialcoder.services.study_change import ChangeKind, StudyChange

    seg = _patient(target_sample)[0]
    with open_study(target_sample) as window, open_study(target_sample) as other:
        watch = StudyWatch(window)
        try:
            assert watch.changes() == StudyChange()
            set_code(other, coder="ben", transcript=T, segment=seg, dimension="resistance",
                     value="strong")  # fmt: skip
            assert watch.changes() == StudyChange.of(
                ChangeKind.CODES, transcripts=[T], coders=["ben"], dimensions=["resistance"]
            )
            assert watch.changes() == StudyChange()
            assert assign_pairs_stored(other, [(T, "ana")])
            set_segment_memo(other, coder="ana", transcript=T, segment=seg, text="a note")
            change = watch.changes()
            assert change.kinds == {ChangeKind.ASSIGNMENTS, ChangeKind.MEMOS}
            assert change.transcripts == {T} and change.coders == {"ana"}
            add_coders(other, ["dora"])
            assert watch.changes() == StudyChange.of(ChangeKind.CODERS)
        finally:
            watch.close()


def test_a_leads_watch_on_a_server_study_says_what_a_coder_changed(make_lab) -> None:
    """Server mode: the database writes the audit log (its trigger), and the lead's login reads
    it; the lead's watch turns a coder's change into the same StudyChange."""
    from socialcoder.services.study_change import ChangeKind, StudyChange

    lab = make_lab(coders=("ana", "ben"), leads=("lead",))
    seg = _patient(lab.url("owner"))[0]
    with open_study(lab.url("lead")) as lead:
        watch = StudyWatch(lead)
        try:
            assert watch.changes() == StudyChange()
            with open_study(lab.url("ben")) as ben:
                set_code(
                    ben, coder="ben", transcript=T, segment=seg, dimension="concordance", value="1"
                )
            change = watch.changes()
            assert change.concerns({ChangeKind.CODES}, coders=["ben"], transcripts=[T])
            assert not change.concerns({ChangeKind.CODES}, coders=["ana"])
            assert not change.concerns({ChangeKind.ASSIGNMENTS, ChangeKind.MEMOS})
            assert watch.changes() == StudyChange()
        finally:
            watch.close()


def test_entries_removed_from_the_audit_log_make_the_study_watch_say_everything(
    sample_study,
) -> None:
    """A withdrawal deletes the participant's audit entries: the log's growth is not what the
    entries after the last id seen account for, so the watch cannot describe the change."""
    from socialcoder.services.study_change import StudyChange
    from socialcoder.services.withdraw import withdraw_participant

    with open_study(sample_study) as window, open_study(sample_study) as other:
        watch = StudyWatch(window)
        try:
            withdraw_participant(other, "P02")
            assert watch.changes() == StudyChange.everything()
            assert watch.changes() == StudyChange()
        finally:
            watch.close()


def test_imported_measures_are_a_change_named_by_their_sessions(
    target_sample: str, tmp_path: Path
) -> None:
    """Issue #12: importing session measures returns a MEASURES change naming the transcripts
    of the sessions it gave measures to; the lead's watch learns of an import made elsewhere,
    and of a re-import that only replaces values, from the measures' count and sum."""
    from socialcoder.services.measures import import_measures
    from socialcoder.services.study_change import ChangeKind, StudyChange

    csv = tmp_path / "m.csv"
    csv.write_text("participant,session,wai_sr\nP01,2,4.25\n", encoding="utf-8")
    with open_study(target_sample) as window, open_study(target_sample) as other:
        watch = StudyWatch(window)
        try:
            assert watch.changes() == StudyChange()
            summary = import_measures(other, csv)
            assert summary.change == StudyChange.of(ChangeKind.MEASURES, transcripts=[T])
            assert watch.changes() == StudyChange.of(ChangeKind.MEASURES)
            assert watch.changes() == StudyChange()
            csv.write_text("participant,session,wai_sr\nP01,2,3.5\n", encoding="utf-8")
            import_measures(other, csv)  # same count, another value
            assert watch.changes() == StudyChange.of(ChangeKind.MEASURES)
        finally:
            watch.close()
