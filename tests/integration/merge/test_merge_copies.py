"""Merging offline copies back: codes, memos and completions come back matched by content
(transcript hash, segment index, coder name, dimension key), conflicts are listed and only
resolved by the newer change when asked, nothing is dropped silently, and merging the same copy
twice changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from socialcoder.cli import main as cli_main
from socialcoder.errors import StudyError
from socialcoder.services.codebook_update import update_codebook
from socialcoder.services.coders import add_coders
from socialcoder.services.coding import set_code, set_completed, set_segment_memo
from socialcoder.services.merge import merge_studies
from socialcoder.services.study import open_study
from socialcoder.services.transcript_import import ImportItem, import_transcripts
from socialcoder.services.transcript_view import show_transcript
from socialcoder.storage.models import AuditRow, CoderRow

T1, T2 = "P01_session02", "P02_session04"


def _code(act, path, coder, transcript, segment, dim, value):
    act(path, set_code, coder=coder, transcript=transcript, segment=segment, dimension=dim,
        value=value)  # fmt: skip


def _codes(path: str | Path) -> dict[tuple[str, str, int | None, str], str]:
    """(coder, transcript, segment or None, dimension) -> value, every code in the study."""
    import csv
    import tempfile

    from socialcoder.services.codes_csv import export_codes_csv

    with open_study(path) as study:
        out = Path(tempfile.mkdtemp()) / "codes.csv"
        export_codes_csv(study, out)

    with out.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return {
        (r["coder"], r["transcript"], int(r["segment"]) if r["segment"] else None, r["dimension"]):
        r["value"]
        for r in rows
        if r["dimension"]  # rows without a dimension carry segment memos
    }  # fmt: skip


def _audit(path: str | Path) -> list[tuple[str, str, str | None, str | None, str | None]]:
    with open_study(path) as study, study.read() as s:
        return [
            tuple(r)
            for r in s.execute(
                select(CoderRow.name, AuditRow.action, AuditRow.dimension_key,
                       AuditRow.new_value, AuditRow.reason)
                .join(CoderRow, CoderRow.id == AuditRow.coder_id)
                .where(AuditRow.action == "merge")
                .order_by(AuditRow.id)
            )
        ]  # fmt: skip


def _merge(study_path, copies, **kwargs):
    with open_study(study_path) as study:
        return merge_studies(study, [str(c) for c in copies], **kwargs)


def test_work_from_two_copies_comes_back_with_audit_entries(base, copy_of, act, dump):
    ana_copy, ben_copy = copy_of(base, "ana_laptop"), copy_of(base, "ben_laptop")
    _code(act, base, "ana", T1, 2, "concordance", "1")  # done in the study meanwhile
    _code(act, ana_copy, "ana", T1, 5, "concordance", "1")
    _code(act, ana_copy, "ana", T1, None, "goal_agreement", "6")
    act(ana_copy, set_segment_memo, coder="ana", transcript=T1, segment=5, text="check tape")
    act(ana_copy, set_completed, coder="ana", transcript=T1)
    act(ben_copy, add_coders, names=["dora"])  # a coder the study lacks
    _code(act, ben_copy, "ben", T2, 2, "resistance", "strong")
    _code(act, ben_copy, "dora", T2, 2, "resistance", "none")

    report = _merge(base, [ana_copy, ben_copy])

    assert report.unresolved == 0 and not report.dry_run
    assert _codes(base) == {
        ("ana", T1, 2, "concordance"): "1",
        ("ana", T1, 5, "concordance"): "1",
        ("ana", T1, None, "goal_agreement"): "6",
        ("ben", T2, 2, "resistance"): "strong",
        ("dora", T2, 2, "resistance"): "none",
    }
    a, b = report.sources
    assert a.added == {"codes": 2, "memos": 1, "completions": 1} and b.coders_added == ["dora"]
    with open_study(base) as study:
        from socialcoder.services.transcript_view import show_transcript

        view = show_transcript(study, T1, coder="ana")
        assert view.completed and view.segments[4].memo == "check tape"
    audit = _audit(base)
    assert len(audit) == 6  # 4 from ana's copy, 2 codes from ben's
    assert all(r[1] == "merge" for r in audit)
    assert {r[4] for r in audit if r[0] == "ana"} == {
        f"merged code from {ana_copy}", f"merged segment memo from {ana_copy}",
        f"merged completion from {ana_copy}",
    }  # fmt: skip
    # the second time: nothing changes at all
    before = dump(base)
    again = _merge(base, [ana_copy, ben_copy])
    assert again.changes == 0 and again.unresolved == 0
    assert sum(s.unchanged["codes"] for s in again.sources) == 4
    assert dump(base) == before


def test_a_conflict_keeps_the_study_value_and_is_listed(base, copy_of, act, dump, capsys):
    copy = copy_of(base, "copy")
    _code(act, copy, "ana", T1, 2, "resistance", "mild")
    _code(act, base, "ana", T1, 2, "resistance", "strong")  # newer, in the study
    _code(act, copy, "ben", T1, 2, "resistance", "none")
    before = dump(base)

    assert cli_main(["merge", str(base), str(copy), "--json"]) == 3
    data = json.loads(capsys.readouterr().out)
    (source,) = data["sources"]
    (conflict,) = source["conflicts"]
    assert (conflict["coder"], conflict["study_value"], conflict["copy_value"]) == (
        "ana", "strong", "mild"
    )  # fmt: skip
    assert conflict["resolution"] == "kept study" and not conflict["resolved"]
    assert source["added"]["codes"] == 1  # ben's code came in all the same
    assert _codes(base)[("ana", T1, 2, "resistance")] == "strong"
    after = dump(base)
    assert after != before
    # the conflict is reported again on a second merge, and nothing changes
    assert cli_main(["merge", str(base), str(copy)]) == 3
    out = capsys.readouterr().out
    assert "1 unresolved" in out and "--prefer-newer" in out
    assert dump(base) == after


def test_prefer_newer_takes_the_newer_side(base, copy_of, act):
    copy = copy_of(base, "copy")
    _code(act, base, "ana", T1, 2, "resistance", "strong")  # older, in the study
    _code(act, copy, "ana", T1, 2, "resistance", "mild")  # newer, in the copy
    _code(act, copy, "ben", T1, 2, "resistance", "none")  # older, in the copy
    _code(act, base, "ben", T1, 2, "resistance", "strong")  # newer, in the study

    report = _merge(base, [copy], prefer_newer=True)

    assert report.unresolved == 0
    outcomes = {c.coder: c.resolution for c in report.sources[0].conflicts}
    assert outcomes == {"ana": "took copy", "ben": "kept study"}
    codes = _codes(base)
    assert codes[("ana", T1, 2, "resistance")] == "mild"
    assert codes[("ben", T1, 2, "resistance")] == "strong"
    merged = [r for r in _audit(base) if r[2] == "resistance"]
    assert merged == [("ana", "merge", "resistance", "mild", f"merged code from {copy}")]
    assert _merge(base, [copy], prefer_newer=True).changes == 0  # idempotent


def test_matching_is_by_content_not_row_ids(tmp_path, build, act):
    """The copy's transcripts and coders were added in the opposite order: every id differs."""
    study, other = tmp_path / "study.scstudy", tmp_path / "other.scstudy"
    build(study)
    build(other, reverse=True)
    _code(act, other, "ana", T1, 2, "concordance", "0")
    _code(act, other, "ben", "P03_session06", None, "goal_agreement", "3")
    report = _merge(study, [other])
    assert report.changes == 2 and report.unresolved == 0
    assert _codes(study) == {
        ("ana", T1, 2, "concordance"): "0",
        ("ben", "P03_session06", None, "goal_agreement"): "3",
    }


def test_a_transcript_the_study_lacks_is_reported_not_dropped(base, copy_of, act, tmp_path):
    copy = copy_of(base, "copy")
    extra = tmp_path / "P09_session01.txt"
    extra.write_text("T: Fictional opening line.\nP: A fictional reply.\n", encoding="utf-8")
    act(copy, import_transcripts, items=[ImportItem(extra)])
    _code(act, copy, "ana", "P09_session01", 2, "concordance", "1")
    act(copy, set_completed, coder="ana", transcript="P09_session01")
    _code(act, copy, "ana", T1, 2, "concordance", "1")

    report = _merge(base, [copy])

    (unmatched,) = report.sources[0].unmatched
    assert (unmatched.transcript, unmatched.codes, unmatched.completions) == (
        "P09_session01", 1, 1
    )  # fmt: skip
    assert report.unresolved == 1 and report.changes == 1
    assert cli_main(["merge", str(base), str(copy)]) == 3
    assert set(_codes(base)) == {("ana", T1, 2, "concordance")}


def test_a_copy_whose_codebook_has_new_keys_is_refused(base, copy_of, act, dump, tmp_path):
    from socialcoder.codebooks import DEFAULT_CODEBOOK_PATH

    copy = copy_of(base, "copy")
    yaml_text = Path(DEFAULT_CODEBOOK_PATH).read_text(encoding="utf-8")
    marker = "\n  - key: resistance"
    added = (
        "\n  - key: homework_review\n    label: Homework reviewed\n    scale: binary\n"
        "    definition: The therapist reviews the homework (fictional test dimension).\n"
    )
    newer = tmp_path / "codebook_v2.yaml"
    newer.write_text(
        yaml_text.replace('version: "1.1"', 'version: "1.2"', 1).replace(
            marker, added.rstrip("\n") + marker, 1
        ),
        encoding="utf-8",
    )
    act(copy, update_codebook, path=newer)
    _code(act, copy, "ana", T1, 2, "concordance", "1")
    before = dump(base)
    with pytest.raises(StudyError, match="homework_review"):
        _merge(base, [copy])
    assert dump(base) == before


def test_dry_run_stores_nothing(base, copy_of, act, dump, capsys):
    copy = copy_of(base, "copy")
    _code(act, copy, "ana", T1, 2, "concordance", "1")
    before = dump(base)
    assert cli_main(["merge", str(base), str(copy), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Dry run" in out and "would change 1 item" in out
    assert dump(base) == before


def test_refusals(base, tmp_path, capsys):
    assert cli_main(["merge", str(base), str(base)]) == 2
    assert "is the study itself" in capsys.readouterr().err
    assert cli_main(["merge", str(base), str(tmp_path / "missing.scstudy")]) == 2
    assert "no such study file" in capsys.readouterr().err
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not a study", encoding="utf-8")
    assert cli_main(["merge", str(base), str(text_file)]) == 2


def test_an_offline_sqlite_copy_merges_into_a_postgresql_study(pg_target, build, base, act):
    """The server study and the offline coder's file share transcripts and codebook: the
    match by content hash brings the work across databases of different kinds."""
    build(pg_target)
    _code(act, base, "ana", T1, 2, "concordance", "1")
    act(base, set_completed, coder="ana", transcript=T1)
    _code(act, pg_target, "ana", T1, 5, "concordance", "0")
    report = _merge(pg_target, [base])
    assert report.changes == 2 and report.unresolved == 0
    assert _codes(pg_target) == {
        ("ana", T1, 2, "concordance"): "1",
        ("ana", T1, 5, "concordance"): "0",
    }
    assert _merge(pg_target, [base]).changes == 0


def _completed(path: str | Path) -> set[tuple[str, str]]:
    from socialcoder.services.transcript_list import list_transcripts

    with open_study(path) as study:
        return {
            (coder, t.name)
            for t in list_transcripts(study)
            for coder, p in t.progress.items()
            if p.completed
        }


def test_clears_and_reopens_made_in_a_copy_are_carried(base, copy_of, act, dump, capsys):
    """Issue #18: a code cleared and a transcript reopened in a copy come back (before, merge
    only added or replaced, so both were silently lost)."""
    from socialcoder.services.coding import clear_code

    _code(act, base, "ana", T1, 2, "resistance", "mild")
    _code(act, base, "ana", T1, 5, "resistance", "strong")
    _code(act, base, "ben", T1, 2, "resistance", "none")
    act(base, set_completed, coder="ana", transcript=T1)
    act(base, set_completed, coder="ben", transcript=T2)
    copy = copy_of(base, "ana_laptop")
    act(copy, clear_code, coder="ana", transcript=T1, segment=2, dimension="resistance")
    act(copy, set_completed, coder="ana", transcript=T1, completed=False)
    _code(act, copy, "ana", T2, 2, "resistance", "none")  # new work travels alongside

    assert cli_main(["merge", str(base), str(copy)]) == 0
    out = capsys.readouterr().out
    assert "1 cleared as in the copy" in out and "1 reopened as in the copy" in out
    codes = _codes(base)
    assert ("ana", T1, 2, "resistance") not in codes  # cleared as in the copy
    assert codes[("ana", T1, 5, "resistance")] == "strong"  # untouched in the copy: kept
    assert codes[("ben", T1, 2, "resistance")] == "none"
    assert codes[("ana", T2, 2, "resistance")] == "none"
    assert ("ana", T1) not in _completed(base)  # reopened as in the copy
    assert ("ben", T2) in _completed(base)
    reasons = {r[4] for r in _audit(base)}
    assert f"merged code cleared in {copy}" in reasons
    assert f"merged transcript reopened in {copy}" in reasons
    # merging the same copy again changes nothing
    before = dump(base)
    again = _merge(base, [copy])
    assert again.changes == 0 and again.unresolved == 0 and dump(base) == before


def test_a_clear_against_a_later_change_in_the_study_is_a_conflict(base, copy_of, act):
    from socialcoder.services.coding import clear_code

    _code(act, base, "ana", T1, 2, "resistance", "mild")
    _code(act, base, "ben", T1, 2, "resistance", "mild")
    act(base, set_completed, coder="ana", transcript=T1)
    copy = copy_of(base, "copy")
    act(copy, clear_code, coder="ana", transcript=T1, segment=2, dimension="resistance")
    act(copy, set_completed, coder="ana", transcript=T1, completed=False)
    _code(act, base, "ana", T1, 2, "resistance", "strong")  # changed in the study later
    _code(act, base, "ben", T1, 2, "resistance", "none")  # ... before ben's clear in the copy
    act(copy, clear_code, coder="ben", transcript=T1, segment=2, dimension="resistance")

    report = _merge(base, [copy])  # the study keeps its values, both listed
    conflicts = {c.coder: c for c in report.sources[0].conflicts}
    assert set(conflicts) == {"ana", "ben"}
    assert (conflicts["ana"].study_value, conflicts["ana"].copy_value) == ("strong", "(cleared)")
    assert conflicts["ana"].resolution == "kept study" and not conflicts["ana"].resolved
    assert report.sources[0].removed == {"codes": 0, "memos": 0, "completions": 1}  # ana's reopen
    codes = _codes(base)
    assert codes[("ana", T1, 2, "resistance")] == "strong"
    assert codes[("ben", T1, 2, "resistance")] == "none"

    newer = _merge(base, [copy], prefer_newer=True)  # the newer side wins
    outcomes = {c.coder: c.resolution for c in newer.sources[0].conflicts}
    assert outcomes == {"ana": "kept study", "ben": "took copy"}
    codes = _codes(base)
    assert codes[("ana", T1, 2, "resistance")] == "strong"
    assert ("ben", T1, 2, "resistance") not in codes


def _memos(path: str | Path) -> dict[tuple[str, int], str]:
    """(coder, segment index) -> memo text on T1."""
    with open_study(path) as study:
        out = {}
        for coder in ("ana", "ben"):
            for seg in show_transcript(study, T1, coder=coder).segments:
                if seg.memo:
                    out[(coder, seg.index)] = seg.memo
        return out


def test_a_memo_emptied_in_a_copy_is_carried(base, copy_of, act, dump, capsys):
    """Issue #18: a segment memo emptied in a copy comes back emptied (before, merge only added
    or replaced memos, so the emptied memo silently stayed in the study)."""
    act(base, set_segment_memo, coder="ana", transcript=T1, segment=2, text="ask the lead")
    act(base, set_segment_memo, coder="ana", transcript=T1, segment=3, text="keep me")
    act(base, set_segment_memo, coder="ben", transcript=T1, segment=2, text="ben's note")
    copy = copy_of(base, "ana_laptop")
    act(copy, set_segment_memo, coder="ana", transcript=T1, segment=2, text="")
    act(copy, set_segment_memo, coder="ben", transcript=T1, segment=2, text="  ")
    assert _memos(copy) == {("ana", 3): "keep me"}

    assert cli_main(["merge", str(base), str(copy)]) == 0
    out = capsys.readouterr().out
    assert "2 emptied as in the copy" in out
    assert _memos(base) == {("ana", 3): "keep me"}
    reasons = {r[4] for r in _audit(base)}
    assert f"merged segment memo emptied in {copy}" in reasons
    before = dump(base)
    again = _merge(base, [copy])  # merging the same copy again changes nothing
    assert again.changes == 0 and again.unresolved == 0 and dump(base) == before


def test_a_memo_emptied_in_a_copy_but_changed_in_the_study_is_a_conflict(base, copy_of, act):
    act(base, set_segment_memo, coder="ana", transcript=T1, segment=2, text="first")
    copy = copy_of(base, "copy")
    act(copy, set_segment_memo, coder="ana", transcript=T1, segment=2, text="")
    act(base, set_segment_memo, coder="ana", transcript=T1, segment=2, text="rewritten later")
    report = _merge(base, [copy])
    (conflict,) = report.sources[0].conflicts
    assert (conflict.kind, conflict.study_value, conflict.copy_value) == (
        "segment memo", "rewritten later", "(emptied)",
    )  # fmt: skip
    assert conflict.resolution == "kept study" and report.unresolved == 1
    assert _memos(base) == {("ana", 2): "rewritten later"}
    # an emptying from before the copy is not replayed
    act(base, set_segment_memo, coder="ben", transcript=T1, segment=4, text="old")
    act(base, set_segment_memo, coder="ben", transcript=T1, segment=4, text="")
    second = copy_of(base, "second")
    act(base, set_segment_memo, coder="ben", transcript=T1, segment=4, text="again")
    assert _merge(base, [second]).changes == 0
    assert _memos(base)[("ben", 4)] == "again"


def test_clears_from_before_the_copy_are_not_replayed(base, copy_of, act):
    """A clear in the history the copy shares with the study was not made in the copy: a code
    the study set again after copying stays."""
    from socialcoder.services.coding import clear_code

    _code(act, base, "ana", T1, 2, "resistance", "mild")
    act(base, clear_code, coder="ana", transcript=T1, segment=2, dimension="resistance")
    copy = copy_of(base, "copy")
    _code(act, base, "ana", T1, 2, "resistance", "strong")
    report = _merge(base, [copy])
    assert report.changes == 0 and report.unresolved == 0
    assert _codes(base)[("ana", T1, 2, "resistance")] == "strong"


def test_a_code_on_a_turn_the_study_does_not_code_is_rejected(base, copy_of, act, tmp_path):
    """Which dimension applies to which speaker role is the study's (domain/rules.py): the
    study coded concordance on therapist turns too (codebook 1.2), a coder's copy was made,
    then the study narrowed it to patient turns again (1.3). The copy's code on a therapist
    turn is rejected, named in the report; the patient turn's code beside it is taken."""
    from socialcoder.codebooks import DEFAULT_CODEBOOK_PATH

    yaml_text = Path(DEFAULT_CODEBOOK_PATH).read_text(encoding="utf-8")
    start = yaml_text.index("  - key: concordance\n")
    end = yaml_text.index("applies_to: [patient]", start)

    def codebook(version: str, roles: str) -> Path:
        path = tmp_path / f"codebook_{version}.yaml"
        text = yaml_text[:end] + f"applies_to: [{roles}]" + yaml_text[end + 21 :]
        path.write_text(text.replace('version: "1.1"', f'version: "{version}"', 1), "utf-8")
        return path

    act(base, update_codebook, path=codebook("1.2", "therapist, patient"))
    copy = copy_of(base, "copy")
    act(base, update_codebook, path=codebook("1.3", "patient"))
    roles = {s.index: s.role for s in act(copy, show_transcript, name=T1).segments}
    therapist = min(i for i, r in roles.items() if r == "therapist")
    patient = min(i for i, r in roles.items() if r == "patient")
    _code(act, copy, "ana", T1, therapist, "concordance", "1")
    _code(act, copy, "ana", T1, patient, "concordance", "1")
    report = _merge(base, [copy])
    [source] = report.sources
    assert source.rejected == [
        f"ana, {T1} segment {therapist}, concordance: the study's codebook does not code "
        "'concordance' on therapist turns"
    ]
    assert report.unresolved == 1
    assert _codes(base) == {("ana", T1, patient, "concordance"): "1"}
