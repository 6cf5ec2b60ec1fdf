"""Withdrawal on both back ends: the audit log's guard lets through exactly the withdrawn
participant's entries (SQLite trigger, PostgreSQL trigger function; fictional sample study)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from socialcoder.services.study import open_study
from socialcoder.services.withdraw import withdraw_participant
from socialcoder.storage.models import AuditRow, TranscriptRow


def _audit_by_transcript(target: str) -> dict[int, int]:
    with open_study(target) as study, study.read() as session:
        rows = session.execute(
            select(AuditRow.transcript_id, func.count()).group_by(AuditRow.transcript_id)
        ).all()
    return {tid: n for tid, n in rows}


def test_withdraw_on_each_back_end(target_sample: str) -> None:
    before = _audit_by_transcript(target_sample)
    with open_study(target_sample) as study, study.read() as session:
        p02 = session.scalar(select(TranscriptRow.id).where(TranscriptRow.participant == "P02"))
    assert p02 in before
    with open_study(target_sample) as study:
        result = withdraw_participant(study, "P02")
    assert result.transcripts == 1 and result.audit_entries == before[p02]
    after = _audit_by_transcript(target_sample)
    assert after == {tid: n for tid, n in before.items() if tid != p02}
    # every other entry is still protected by the database itself
    with (
        open_study(target_sample) as study,
        pytest.raises(DBAPIError, match="append-only"),
        study.write() as session,
    ):
        session.execute(text("DELETE FROM audit_log"))
    assert _audit_by_transcript(target_sample) == after


def test_a_withdrawn_practice_transcript_leaves_the_calibration_setting(target_sample: str) -> None:
    """calibration_practice is stored by transcript id (issue #18): a withdrawal takes the
    withdrawn transcripts' ids out, so a later transcript given the same id is no practice one."""
    from socialcoder.services.calibration import calibration_settings
    from socialcoder.services.settings import set_setting
    from socialcoder.storage.models import StudySettingRow

    with open_study(target_sample) as study:
        set_setting(study, "calibration_practice", "P02_session04,P01_session02")
        withdraw_participant(study, "P02")
        assert calibration_settings(study).practice == ("P01_session02",)
        with study.read() as session:
            p01 = session.scalar(select(TranscriptRow.id).where(TranscriptRow.participant == "P01"))
            row = session.get(StudySettingRow, "calibration_practice")  # get_one is 2.0.22+
    assert row is not None and row.value == str(p01)
