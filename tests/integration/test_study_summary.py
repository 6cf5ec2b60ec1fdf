"""``socialcoder info``'s answer, read by two plain SQL statements (issue #14: start-up), is
what the study's services say, on SQLite and PostgreSQL; a study file is read without
SQLAlchemy and who opened it is recorded as when the engine opens it."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from socialcoder.services.audit_events import list_events
from socialcoder.services.coders import list_coders
from socialcoder.services.study import open_study
from socialcoder.services.study_summary import study_summary, summary_of_file
from socialcoder.services.transcript_list import list_transcripts


def test_the_summary_is_what_the_study_services_say(target_sample):
    with open_study(target_sample) as study:
        summary = study_summary(study)
        info = study.info()
        transcripts = list_transcripts(study)
        coders = [c.name for c in list_coders(study)]
    assert (summary.name, summary.location, summary.created_at, summary.demo) == (
        info.name,
        info.location,
        info.created_at,
        info.demo,
    )
    assert (summary.codebook_name, summary.codebook_version, summary.schema_revision) == (
        info.codebook_name,
        info.codebook_version,
        info.schema_revision,
    )
    assert summary.transcripts == len(transcripts) > 0
    assert summary.segments == sum(t.segments for t in transcripts) > 0
    assert list(summary.coders) == coders and coders
    if "://" not in target_sample:  # a study file: read without the engine, the same answer
        assert summary_of_file(target_sample, program="test") == summary


def test_a_file_read_without_the_engine_records_who_opened_it(sample_study: Path):
    before = datetime.now(UTC)
    assert summary_of_file(sample_study, program="socialcoder info") is not None
    with open_study(sample_study) as study:
        opened = list_events(study, kinds=("opened",))
    last = opened[-1]
    assert last.detail == {"program": "socialcoder info"} and last.role == "command"
    # the time is stored as the engine stores it, and read back as the same instant
    at = last.at if last.at.tzinfo else last.at.replace(tzinfo=UTC)
    assert before - timedelta(seconds=1) <= at <= datetime.now(UTC)


def test_a_study_at_another_schema_is_left_to_open_study(sample_study: Path, cli):
    with sqlite3.connect(sample_study) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'zzzz'")
    conn.close()
    assert summary_of_file(sample_study, program="test") is None
    result = cli("info", sample_study)
    assert result.code != 0 and "newer version of SocialCoder" in result.err


def test_what_is_not_a_study_file_is_left_to_open_study(tmp_path: Path, cli):
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    assert summary_of_file(other, program="test") is None
    assert summary_of_file(tmp_path / "missing.scstudy", program="test") is None
    assert summary_of_file("postgresql+psycopg://u@127.0.0.1:1/x", program="test") is None
    result = cli("info", other)
    assert result.code != 0 and "not a SocialCoder study" in result.err
