"""Attack suite, issues #13 and #19: a coder's recordings in a blinded server study.

The lead attaches recordings (their paths and file names name sessions) and assigns one
transcript to 'ana'. With psql, ana cannot read ``recordings``; ``sc_recordings()`` gives her the
recordings of her assigned transcripts by content only (size, duration, SHA-256: no path, and
with blinding on no file name and no time of attaching). SocialCoder as her login finds her own
copy of the file in her machine's media folders by that hash, under any name."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from media_support import tone_wav
from sqlalchemy.exc import DBAPIError

from socialcoder.errors import UserError
from socialcoder.services import media_local
from socialcoder.services.assignments import assign
from socialcoder.services.media import (
    FOUND,
    attach_media,
    check_recording,
    media_status,
    recording_of,
    recordings,
)
from socialcoder.services.settings import set_setting
from socialcoder.services.study import open_study
from socialcoder.services.transcript_list import list_transcripts

COLUMNS = ("transcript_id, file_name, kind, format, size_bytes, duration_s, sha256, "
           "excerpt_start_s, excerpt_end_s, excerpt_seed, attached_at")  # fmt: skip


@pytest.fixture
def lab(make_lab, tmp_path: Path):
    lab = make_lab()
    lead_files = tmp_path / "lead" / "P01 Smith session 3"
    lead_files.mkdir(parents=True)
    with open_study(lab.url("lead")) as lead:
        set_setting(lead, "blinding", "on")
        names = sorted(t.name for t in list_transcripts(lead))
        lab.files = {}
        for i, name in enumerate(names[:2]):
            wav = tone_wav(lead_files / f"{name}-recording.wav", [(0.5, 1.0 + i)], 3.0 + i)
            attach_media(lead, name, wav)
            lab.files[name] = wav
        assign(lead, coder="ana", transcript=names[0], purpose="primary")
        assign(lead, coder="ben", transcript=names[1], purpose="primary")
        lab.mine, lab.other = names[0], names[1]
        lab.labels = {t.name: t.label for t in list_transcripts(lead)}
        lab.lead_view = {r.transcript: r for r in recordings(lead)}
    return lab


def test_the_table_is_closed_to_a_coder(lab) -> None:
    for statement in ("SELECT * FROM recordings", "SELECT sha256 FROM recordings",
                      "SELECT transcript_id FROM recordings WHERE path LIKE '%Smith%'"):  # fmt: skip
        with pytest.raises(DBAPIError) as refused:
            lab.sql("ana", statement)
        assert "permission denied" in str(refused.value.orig)


def test_the_function_gives_her_assigned_recordings_by_content_only(lab) -> None:
    rows = lab.sql("ana", f"SELECT {COLUMNS} FROM sc_recordings()")
    assert len(rows) == 1  # ben's transcript's recording is not hers
    _tid, file_name, kind, fmt, size, duration, sha, *_rest, attached = rows[0]
    mine = lab.lead_view[lab.mine]
    assert (kind, fmt, size, sha) == ("audio", "wav", mine.size, mine.sha256)
    assert duration == pytest.approx(3.0, abs=0.01)
    assert file_name == "" and attached is None  # blinded: nothing that names the session
    with pytest.raises(DBAPIError):
        lab.sql("ana", "SELECT path FROM sc_recordings()")  # no such column to ask for
    shown = repr(lab.sql("ana", "SELECT * FROM sc_recordings()"))
    assert "Smith" not in shown and lab.mine not in shown


def test_blinding_off_shows_the_file_name_but_never_the_path(lab) -> None:
    with open_study(lab.url("lead")) as lead:
        set_setting(lead, "blinding", "off")
    rows = lab.sql("ana", "SELECT * FROM sc_recordings()")
    assert rows[0][1] == lab.files[lab.mine].name and rows[0][-1] is not None
    assert "Smith session" not in repr(rows)


def test_socialcoder_as_the_coder_finds_her_copy_by_hash(lab, tmp_path: Path) -> None:
    own = tmp_path / "ana's laptop" / "to code"
    own.mkdir(parents=True)
    shutil.copyfile(lab.files[lab.mine], own / "file 17.wav")  # the lab's neutral name
    media_local.save_local(media_local.LocalMedia())  # ana's machine, not the lead's
    media_local.add_folder(tmp_path / "ana's laptop")
    label = lab.labels[lab.mine]
    with open_study(lab.url("ana")) as ana:
        rec = recording_of(ana, label)
        assert rec is not None and rec.transcript == label
        assert rec.path == "" and rec.file_name == "" and rec.attached_at is None
        assert rec.sha256 == lab.lead_view[lab.mine].sha256
        status = check_recording(ana, rec)
        assert status.status == FOUND and status.found_at == own / "file 17.wav"
        assert [s.recording.transcript for s in media_status(ana)] == [label]
        with pytest.raises(UserError, match="assigned to her only"):
            recording_of(ana, lab.labels[lab.other])


def test_the_lead_still_reads_paths(lab) -> None:
    with open_study(lab.url("lead")) as lead:
        rec = recording_of(lead, lab.mine)
    assert rec is not None and rec.path == str(lab.files[lab.mine])
