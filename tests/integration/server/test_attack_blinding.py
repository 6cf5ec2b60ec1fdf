"""Attack suite, issue #19 blinding: a coder with psql in a blinded server study.

The lead has turned blinding on. The coder ('ana') logs in with her own login and plain SQL:
the identifying columns of ``transcripts`` (name, participant, therapist, session number,
date, source file, recording, the file's header lines, import time) are closed to her (column
privileges), ``sc_transcripts()`` gives her the masked view, she cannot change the setting,
and SocialCoder as her login shows and takes labels only."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import DBAPIError

from socialcoder.errors import StudyError
from socialcoder.services.coding import set_code
from socialcoder.services.settings import set_setting
from socialcoder.services.study import open_study
from socialcoder.services.transcript_list import list_transcripts
from socialcoder.services.transcript_view import show_transcript

HIDDEN = ("name", "participant", "therapist", "session_number", "session_date",
          "source_name", "preamble", "imported_at", "content_hash")  # fmt: skip


@pytest.fixture
def lab(make_lab):
    lab = make_lab()
    with open_study(lab.url("lead")) as lead:
        set_setting(lead, "blinding", "on")
        lab.names = {t.label: t.name for t in list_transcripts(lead)}
    return lab


def _denied(lab, statement: str) -> None:
    with pytest.raises(DBAPIError) as refused:
        lab.sql("ana", statement)
    assert "permission denied" in str(refused.value.orig), refused.value.orig


@pytest.mark.parametrize("column", HIDDEN)
def test_identifying_columns_are_closed(lab, column: str) -> None:
    _denied(lab, f"SELECT {column} FROM transcripts")
    _denied(lab, f"SELECT id FROM transcripts WHERE {column} IS NOT NULL")  # not even a filter


def test_what_the_coder_reads(lab) -> None:
    _denied(lab, "SELECT * FROM transcripts")
    _denied(lab, "SELECT * FROM session_measures")
    rows = lab.sql("ana", "SELECT id, label, format, segment_count FROM transcripts")
    assert {r[1] for r in rows} == set(lab.names)
    masked = lab.sql(
        "ana",
        "SELECT name, label, participant, therapist, session_number, session_date, "
        "source_name, preamble, imported_at FROM sc_transcripts()",
    )
    assert len(masked) == 3
    for name, label, *rest in masked:
        assert name == label and rest == [None, None, None, None, "", "", None]


def test_the_coder_cannot_turn_blinding_off(lab) -> None:
    _denied(lab, "UPDATE study_settings SET value = 'off' WHERE name = 'blinding'")
    _denied(lab, "DELETE FROM study_settings")
    _denied(lab, "INSERT INTO study_settings (name, value, updated_at) VALUES ('x', 'y', now())")
    with open_study(lab.url("ana")) as ana, pytest.raises(StudyError):
        set_setting(ana, "blinding", "off")


def test_socialcoder_as_the_coder_shows_and_takes_labels(lab) -> None:
    label, name = sorted(lab.names.items())[0]
    with open_study(lab.url("ana")) as ana:
        seen = list_transcripts(ana)
        assert sorted(t.name for t in seen) == sorted(lab.names)
        assert all(t.participant is None and t.session is None and t.masked for t in seen)
        view = show_transcript(ana, label, coder="ana")
        assert view.transcript.name == label and view.transcript.source_name == ""
        patient = next(s.index for s in view.segments if s.role == "patient")
        set_code(ana, coder="ana", transcript=label, segment=patient, dimension="concordance",
                 value="1")  # fmt: skip
        with pytest.raises(StudyError, match="no transcript named"):
            show_transcript(ana, name, coder="ana")  # the real name is not hers to use
    with open_study(lab.url("lead")) as lead:
        view = show_transcript(lead, name, coder="ana")
        assert view.segments[patient - 1].codes == {"concordance": "1"}


def test_blinding_off_serves_names_through_the_function(lab) -> None:
    with open_study(lab.url("lead")) as lead:
        set_setting(lead, "blinding", "off")
    rows = lab.sql("ana", "SELECT name, participant FROM sc_transcripts()")
    assert {r[0] for r in rows} == set(lab.names.values())
    assert all(r[1] is not None for r in rows)
    with open_study(lab.url("ana")) as ana:
        assert {t.name for t in list_transcripts(ana)} == set(lab.names.values())


def test_a_coder_cannot_tell_why_a_transcript_is_hers(lab) -> None:
    """Covert double coding: her primary and her reliability assignments look the same."""
    from socialcoder.services.assignments import assign

    label_a, label_b = sorted(lab.names)[:2]
    with open_study(lab.url("lead")) as lead:
        assign(lead, coder="ben", transcript=lab.names[label_a], purpose="primary")
        assign(lead, coder="ana", transcript=lab.names[label_a], purpose="reliability")
        assign(lead, coder="ana", transcript=lab.names[label_b], purpose="primary")
    rows = lab.sql("ana", "SELECT transcript_id, purpose FROM sc_my_assignments()")
    assert len(rows) == 2 and {r[1] for r in rows} == {"assigned"}
    _denied(lab, "SELECT purpose FROM assignments")


def test_the_practice_transcripts_setting_names_no_session(lab, capsys) -> None:
    """Issue #18: calibration_practice held transcript names, and every coder reads
    study_settings: a blinded coder read which sessions are the practice ones (with psql, or
    SocialCoder's services as her login). It holds ids now; the lead sees names, the coder's
    login labels, and plain SQL gives the coder numbers only."""

    from socialcoder.cli import main as cli_main
    from socialcoder.services.calibration import calibration_settings
    from socialcoder.services.settings import study_settings

    names = list(lab.names.values())
    practice = sorted(names)[:2]
    labels = [next(label for label, n in lab.names.items() if n == p) for p in practice]
    with open_study(lab.url("lead")) as lead:
        set_setting(lead, "calibration_practice", ",".join(practice))
        assert calibration_settings(lead).practice == tuple(practice)
    (stored,) = lab.sql(
        "ana", "SELECT value FROM study_settings WHERE name = 'calibration_practice'"
    )
    assert not any(n in str(stored[0]) for n in names)
    assert [int(i) for i in str(stored[0]).split(",")] == [
        r[0]
        for label in labels
        for r in lab.sql("ana", f"SELECT id FROM transcripts WHERE label = '{label}'")
    ]
    everything = " ".join(str(v) for (v,) in lab.sql("ana", "SELECT value FROM study_settings"))
    assert not any(n in everything for n in names)
    with open_study(lab.url("ana")) as ana:
        shown = {s.name: s.text for s in study_settings(ana)}
        assert shown["calibration_practice"] == ",".join(labels)
        assert calibration_settings(ana).practice == tuple(labels)
    capsys.readouterr()
    assert cli_main(["settings", lab.url("ana")]) == 2  # a lead's command: refused
    assert not any(n in capsys.readouterr().err for n in names)
    assert cli_main(["settings", lab.url("lead"), "calibration_practice"]) == 0
    assert capsys.readouterr().out.startswith(f"calibration_practice: {','.join(practice)}  - ")
