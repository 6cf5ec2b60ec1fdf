"""Recordings in a study: attached by reference, found again by content, times stamped and
turns opened while listening (audited), on SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from media_support import tone_wav
from sqlalchemy import select

from socialcoder.errors import StudyError, UserError
from socialcoder.services import media_local
from socialcoder.services.coders import add_coders
from socialcoder.services.coding import set_code
from socialcoder.services.media import (
    CHANGED,
    FOUND,
    MISSING,
    attach_media,
    locate_quick,
    media_status,
    recording_of,
    relink,
    set_duration,
)
from socialcoder.services.media_import import Excerpt, import_recording
from socialcoder.services.media_timing import open_turn, remove_turn, stamp_start
from socialcoder.services.study import open_study
from socialcoder.services.study_change import ChangeKind, StudyChange
from socialcoder.services.transcript_import import ImportItem, import_transcripts
from socialcoder.services.transcript_view import show_transcript
from socialcoder.storage.models import AuditRow

TEXT = "T: Hello there.\nP: Hi. It has been a long week, honestly.\nT: Tell me.\nP: Fine.\n"


@pytest.fixture
def study_with_text(target_study, tmp_path):
    src = tmp_path / "s1.txt"
    src.write_text(TEXT, encoding="utf-8")
    with open_study(target_study) as study:
        import_transcripts(study, [ImportItem(path=src, name="s1")])
        add_coders(study, ["ana"])
    return target_study


def test_attach_stores_reference_size_duration_and_hash_not_the_media(study_with_text, tmp_path):
    (tmp_path / "media").mkdir()
    rec_file = tone_wav(tmp_path / "media" / "s1.wav", [(1, 2)], 20.0)
    with open_study(study_with_text) as study:
        attached = attach_media(study, "s1", rec_file)
        rec, before = attached
        assert before is None
        assert attached.change == StudyChange.of(ChangeKind.TRANSCRIPTS, transcripts=["s1"])
        assert not set_duration(study, "s1", 21.0)  # the header's duration is kept
        assert (rec.kind, rec.format, rec.size) == ("audio", "wav", rec_file.stat().st_size)
        assert rec.duration == pytest.approx(20.0)
        import hashlib

        assert rec.sha256 == hashlib.sha256(rec_file.read_bytes()).hexdigest()
        if "://" not in study_with_text:
            assert rec.path == "media/s1.wav"  # relative: below the study's folder
        else:
            assert rec.path == str(rec_file.absolute())
        assert recording_of(study, "s1").to_json() == rec.to_json()
    if "://" not in study_with_text:
        raw = Path(study_with_text).read_bytes()
        assert rec_file.read_bytes()[40_000:40_400] not in raw  # a stretch of the tone


def test_status_found_missing_changed_and_relink_by_content(study_with_text, tmp_path):
    (tmp_path / "a").mkdir()
    rec_file = tone_wav(tmp_path / "a" / "s1.wav", [(3, 4)], 10.0)
    with open_study(study_with_text) as study:
        attach_media(study, "s1", rec_file)
        [s] = media_status(study)
        assert (s.status, s.found_at) == (FOUND, rec_file)
        # moved, and renamed: found by content only
        moved = tmp_path / "elsewhere" / "deep" / "renamed.wav"
        moved.parent.mkdir(parents=True)
        shutil.move(rec_file, moved)
        decoy = tmp_path / "elsewhere" / "s1.wav"
        tone_wav(decoy, [(3.5, 4)], 10.0)  # same name and size, other content
        assert decoy.stat().st_size == moved.stat().st_size
        [s] = media_status(study)
        assert s.status == MISSING
        result = relink(study, tmp_path / "elsewhere")
        assert [r.new_path for r in result.relinked] == [moved]
        assert result.still_missing == ()
        expected = StudyChange.of(ChangeKind.TRANSCRIPTS, transcripts=["s1"])
        assert result.change == (StudyChange() if result.shared_study else expected)
        [s] = media_status(study)
        assert (s.status, s.found_at) == (FOUND, moved)
        # changed in place: same size, other content
        shutil.copyfile(decoy, moved)
        [s] = media_status(study)
        assert (s.status, s.found_at) == (CHANGED, moved) and "content differs" in s.detail


def test_server_study_keeps_paths_per_machine(study_with_text, tmp_path):
    """A study on a server: relink notes the path on this machine, the study is unchanged;
    the machine's media folder finds the file by content."""
    if "://" not in study_with_text:
        pytest.skip("paths per machine are for studies on a server")
    (tmp_path / "a").mkdir()
    rec_file = tone_wav(tmp_path / "a" / "s1.wav", [(3, 4)], 10.0)
    with open_study(study_with_text) as study:
        attach_media(study, "s1", rec_file)
        stored = recording_of(study, "s1").path
        other = tmp_path / "coder2" / "x.wav"
        other.parent.mkdir()
        shutil.move(rec_file, other)
        media_local.save_local(media_local.LocalMedia())  # another machine: nothing known
        assert media_status(study)[0].status == MISSING
        media_local.add_folder(other.parent)
        [s] = media_status(study)
        assert (s.status, s.found_at) == (FOUND, other)
        media_local.save_local(media_local.LocalMedia())
        result = relink(study, other.parent)
        assert result.shared_study and recording_of(study, "s1").path == stored
        assert locate_quick(study, recording_of(study, "s1")).path == other


def test_stamping_measures_starts_estimates_the_rest_and_is_audited(study_with_text, tmp_path):
    rec_file = tone_wav(tmp_path / "s1.wav", [], 40.0)
    with open_study(study_with_text) as study:
        attach_media(study, "s1", rec_file)
        assert all(s.start is None for s in show_transcript(study, "s1").segments)
        change = stamp_start(study, coder="ana", transcript="s1", segment=3, seconds=20.0)
        assert change.old_start is None and change.new_start == 20.0
        assert change.change == StudyChange.of(ChangeKind.TRANSCRIPTS, transcripts=["s1"])
        segs = show_transcript(study, "s1").segments
        assert [s.start_estimated for s in segs] == [True, True, False, True]
        assert segs[0].start == 0.0 and 0 < segs[1].start < 20.0 < segs[3].start < 40.0
        assert segs[3].end == 40.0 and segs[3].end_estimated
        with pytest.raises(StudyError, match="turns keep their order"):
            stamp_start(study, coder="ana", transcript="s1", segment=4, seconds=10.0)
        stamp_start(study, coder="ana", transcript="s1", segment=1, seconds=2.5)
        # undo the last stamp: back to an estimate
        stamp_start(study, coder="ana", transcript="s1", segment=1, seconds=None)
        segs = show_transcript(study, "s1").segments
        assert segs[0].start_estimated and segs[0].start == 0.0
        with study.read() as session:
            rows = session.execute(
                select(
                    AuditRow.action, AuditRow.segment_idx, AuditRow.old_value, AuditRow.new_value
                )
                .where(AuditRow.action == "time")
                .order_by(AuditRow.id)
            ).all()
        assert [tuple(r) for r in rows] == [
            ("time", 3, None, "20.000"),
            ("time", 1, None, "2.500"),
            ("time", 1, "2.500", None),
        ]


def test_recording_without_transcript_turns_opened_while_listening(target_study, tmp_path):
    rec_file = tone_wav(tmp_path / "miti.wav", [], 120.0)
    with open_study(target_study) as study:
        add_coders(study, ["ana"])
        rec = import_recording(study, rec_file, name="miti", excerpt=Excerpt(length=60.0, seed=11))
        assert rec.excerpt_seed == 11 and rec.excerpt[1] - rec.excerpt[0] == pytest.approx(60)
        start = rec.excerpt[0]
        with pytest.raises(StudyError, match="outside the excerpt"):
            open_turn(study, coder="ana", transcript="miti", role="therapist", at=start + 61)
        open_turn(study, coder="ana", transcript="miti", role="therapist", at=start + 1)
        open_turn(study, coder="ana", transcript="miti", role="patient", at=start + 9.5)
        with pytest.raises(StudyError, match="after the last one"):
            open_turn(study, coder="ana", transcript="miti", role="patient", at=start + 5)
        segs = show_transcript(study, "miti").segments
        assert [(s.index, s.role, s.start, s.start_estimated) for s in segs] == [
            (1, "therapist", round(start + 1, 3), False),
            (2, "patient", round(start + 9.5, 3), False),
        ]
        assert segs[0].end == round(start + 9.5, 3) and not segs[0].end_estimated
        assert segs[1].end == pytest.approx(rec.excerpt[1]) and segs[1].end_estimated
        set_code(
            study, coder="ana", transcript="miti", segment=2, dimension="resistance", value="mild"
        )
        with pytest.raises(StudyError, match="has codes"):
            remove_turn(study, coder="ana", transcript="miti", segment=2)
        open_turn(study, coder="ana", transcript="miti", role="therapist", at=start + 20)
        remove_turn(study, coder="ana", transcript="miti", segment=3)
        segs = show_transcript(study, "miti").segments
        assert len(segs) == 2 and segs[1].end == pytest.approx(rec.excerpt[1])
        with pytest.raises(UserError, match="already in the study"):
            import_recording(study, rec_file, name="again", excerpt=Excerpt(length=60.0, seed=11))


def test_turns_are_only_opened_on_recordings_without_transcript(study_with_text, tmp_path):
    with open_study(study_with_text) as study:
        attach_media(study, "s1", tone_wav(tmp_path / "x.wav", [], 5.0))
        with pytest.raises(StudyError, match="has a transcript"):
            open_turn(study, coder="ana", transcript="s1", role="patient", at=1.0)


def test_import_with_media_is_all_or_nothing(study_path, tmp_path, dump):
    good = tmp_path / "g.txt"
    good.write_text(TEXT, encoding="utf-8")
    before = dump(study_path)
    with open_study(study_path) as study, pytest.raises(UserError, match="no such recording"):
        import_transcripts(study, [ImportItem(path=good, media=tmp_path / "missing.wav")])
    assert dump(study_path) == before


def test_a_recording_asked_for_by_its_masked_label_does_not_name_the_file(
    study_with_text, tmp_path
):
    """A blinded coder's window asks by the masked label: the file's name (which names the
    session) and the time it was attached stay hidden; the lead, asking by name, sees them."""
    from socialcoder.services.settings import set_setting
    from socialcoder.services.transcript_list import list_transcripts

    (tmp_path / "media").mkdir()
    rec_file = tone_wav(tmp_path / "media" / "P02_session04.wav", [(1, 2)], 5.0)
    with open_study(study_with_text) as study:
        attach_media(study, "s1", rec_file)
        set_setting(study, "blinding", "on")
        (label,) = [t.name for t in list_transcripts(study, as_coder=True)]
        assert label != "s1"
        lead = recording_of(study, "s1")
        coder = recording_of(study, label)
    assert lead is not None and lead.file_name == "P02_session04.wav"
    assert lead.attached_at is not None
    assert coder is not None and coder.sha256 == lead.sha256
    assert coder.file_name == "" and coder.attached_at is None
