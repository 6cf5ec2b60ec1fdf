"""Schema 0009 (recordings, estimated times) on an older study, and what exports carry:
the long table's time flags and the sessions table's rates per minute."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from media_support import tone_wav
from sqlalchemy import text

from socialcoder.services.coders import add_coders
from socialcoder.services.coding import set_code, set_completed
from socialcoder.services.exporting import build_export_table, export_table
from socialcoder.services.media import UNVERIFIED, attach_media, media_status
from socialcoder.services.media_import import Excerpt, import_recording
from socialcoder.services.media_timing import open_turn, stamp_start
from socialcoder.services.study import open_study
from socialcoder.services.transcript_import import ImportItem, import_transcripts
from socialcoder.storage import db, migrate

T0 = datetime(2024, 6, 1, tzinfo=UTC)


def test_media_path_of_an_older_study_becomes_an_unverified_recording(study_target, tmp_path):
    engine = db.make_engine(study_target)
    migrate.upgrade(engine, "0009")  # the revision before recordings
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO transcripts (id, name, source_name, content_hash, format, preamble, "
                "segment_count, imported_at, media_path, label) VALUES "
                "(1, 'old', 'old.txt', :h, 'text', '', 1, :t, 'tapes/old.mp4', 'Session OLD1')"
            ),
            {"h": "cd" * 32, "t": T0},
        )
        c.execute(
            text(
                "INSERT INTO segments (id, transcript_id, idx, role, label, start_s, end_s, text) "
                "VALUES (1, 1, 1, 'patient', 'P', 3.0, 4.0, 'Hello')"
            )
        )
        c.execute(
            text(
                "INSERT INTO study (id, name, created_at, created_with) VALUES (1, 'old', :t, '0')"
            ),
            {"t": T0},
        )
    migrate.upgrade(engine)
    with engine.connect() as c:
        rows = c.execute(
            text("SELECT transcript_id, path, file_name, kind, sha256 FROM recordings")
        ).all()
        seg = c.execute(text("SELECT start_s, start_estimated, end_estimated FROM segments")).one()
        cols = c.execute(text("SELECT * FROM transcripts")).keys()
    engine.dispose()
    assert [tuple(r) for r in rows] == [(1, "tapes/old.mp4", "old.mp4", "video", None)]
    assert (seg[0], bool(seg[1]), bool(seg[2])) == (3.0, False, False)
    assert "media_path" not in cols


def test_unverified_recording_is_reported_as_such(study_path, tmp_path):
    engine = db.make_engine(study_path)
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO transcripts (id, name, source_name, content_hash, format, preamble, "
                "segment_count, imported_at, label) "
                "VALUES (9, 'old', 'old.txt', :h, 'text', '', 0, :t, 'Session OLD9')"
            ),
            {"h": "ef" * 32, "t": T0},
        )
        c.execute(
            text(
                "INSERT INTO recordings (transcript_id, path, file_name, kind, format, attached_at) "
                "VALUES (9, 'old.wav', 'old.wav', 'audio', 'wav', :t)"
            ),
            {"t": T0},
        )
    engine.dispose()
    tone_wav(study_path.parent / "old.wav", [], 1.0)
    with open_study(study_path) as study:
        [s] = media_status(study)
    assert s.status == UNVERIFIED and "attach it again" in s.detail


def test_exports_carry_estimated_flags_and_rates_per_minute(study_path, tmp_path):
    src = tmp_path / "t.txt"
    src.write_text("T: One two three.\nP: Four five six seven.\nT: Eight.\nP: Nine ten.\n", "utf-8")
    with open_study(study_path) as study:
        import_transcripts(study, [ImportItem(path=src, name="t")])
        add_coders(study, ["ana"])
        attach_media(study, "t", tone_wav(tmp_path / "t.wav", [], 120.0))
        stamp_start(study, coder="ana", transcript="t", segment=2, seconds=30.0)
        for seg in (2, 4):
            set_code(
                study, coder="ana", transcript="t", segment=seg, dimension="concordance", value="1"
            )
        set_completed(study, coder="ana", transcript="t")
        rec = import_recording(
            study, tone_wav(tmp_path / "m.wav", [], 600.0), name="m", excerpt=Excerpt(60.0, 240.0)
        )
        open_turn(study, coder="ana", transcript="m", role="patient", at=61.0)
        set_code(study, coder="ana", transcript="m", segment=1, dimension="concordance", value="1")
        long = build_export_table(study, "long", coders=["ana"]).frame
        sessions = build_export_table(study, "sessions", coders=["ana"]).frame
        for fmt in ("csv", "dta", "sav"):  # flags empty on session rows: one column type
            export_table(study, tmp_path / f"long.{fmt}", layout="long", coders="ana")
    written = pd.read_csv(tmp_path / "long.csv", dtype=str, keep_default_na=False)
    assert set(written["start_estimated"]) == {"0", "1", ""}
    for fmt, read in (("dta", pyreadstat.read_dta), ("sav", pyreadstat.read_sav)):
        frame, _ = read(str(tmp_path / f"long.{fmt}"))
        flags = frame["start_estimated"]
        assert set(flags.dropna()) == {0, 1} and flags.isna().any(), fmt
    assert rec.excerpt == (60.0, 240.0)
    rows = long[(long["transcript"] == "t") & (long["dimension"] == "concordance")]
    got = rows[["segment", "start", "start_estimated", "end_estimated"]].to_records(index=False)
    assert [(int(s), bool(e)) for s, _, e, _ in got] == [(2, False), (4, True)]
    assert rows["start"].iloc[0] == 30.0
    by_name = sessions.set_index("transcript")
    # t: the whole recording (2 minutes); m: the excerpt (3 minutes)
    assert by_name.loc["t", "minutes"] == pytest.approx(2.0)
    assert by_name.loc["t", "concordance_per_min"] == pytest.approx(2 / 2.0)
    assert by_name.loc["m", "minutes"] == pytest.approx(3.0)
    assert by_name.loc["m", "concordance_per_min"] == pytest.approx(1 / 3.0)
    assert np.isfinite(by_name.loc["t", "concordance_rate"])
