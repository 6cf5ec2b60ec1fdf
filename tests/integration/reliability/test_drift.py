"""Drift: alpha per ISO week of coding, on a study coded over several weeks.

Two coders code one transcript in each of three weeks (2026-W45, W47 and W48; nothing in W46),
agreeing well in the first week and less each week after. Each week's alpha must be the alpha
of that week's transcript alone, computed here with the `krippendorff` package on the matrix
written out by hand (completed transcripts: an uncoded turn is 'absent'); the empty week has no
pairable units and no alpha."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import krippendorff
import numpy as np
import pytest
from sqlalchemy import update

from socialcoder.services.coding import set_code, set_completed
from socialcoder.services.drift import coding_weeks, weekly_alpha
from socialcoder.services.study import Study, open_study
from socialcoder.storage.models import CodeRow, CompletionRow, TranscriptRow

TURNS = 16  # patient turns per transcript
# transcript -> (day it was coded, patient turns ana marks present, those ben marks present)
CODED = {
    "w45": (date(2026, 11, 3), {0, 2, 4, 6, 8, 10}, {0, 2, 4, 6, 8, 10, 12}),
    "w47": (date(2026, 11, 19), {0, 2, 4, 6, 8}, {0, 2, 5, 7, 9, 11}),
    "w48": (date(2026, 11, 27), {1, 3, 5, 7}, {0, 2, 4, 6, 8, 10, 12, 14}),
}


def _backdate(study: Study, transcript: str, day: date) -> None:
    """The services stamp 'now': move this transcript's codes and completions to ``day``."""
    when = datetime(day.year, day.month, day.day, 10, tzinfo=UTC)
    with study.write() as session:
        tid = session.query(TranscriptRow.id).filter(TranscriptRow.name == transcript).scalar()
        session.execute(update(CodeRow).where(CodeRow.transcript_id == tid).values(updated_at=when))
        session.execute(
            update(CompletionRow)
            .where(CompletionRow.transcript_id == tid)
            .values(completed_at=when + timedelta(hours=2))
        )


def _expected(ana: set[int], ben: set[int]) -> float:
    # category positions in codebook order: present = 0, absent = 1
    rows = [[0.0 if i in coded else 1.0 for i in range(TURNS)] for coded in (ana, ben)]
    return float(
        krippendorff.alpha(reliability_data=np.array(rows), level_of_measurement="nominal")
    )


def test_weekly_alpha_over_several_weeks(make_study) -> None:
    path = make_study({name: (None, TURNS) for name in CODED})
    with open_study(path) as study:
        for name, (day, ana, ben) in CODED.items():
            for coder, present in (("ana", ana), ("ben", ben)):
                for i in present:
                    set_code(
                        study,
                        coder=coder,
                        transcript=name,
                        segment=2 * i + 2,
                        dimension="concordance",
                        value="1",
                    )
                set_completed(study, coder=coder, transcript=name)
            _backdate(study, name, day)
        mondays = coding_weeks(study)
        weeks = {w.week: w for w in weekly_alpha(study) if w.dimension == "concordance"}

    assert mondays == [date(2026, 11, 2) + timedelta(weeks=k) for k in range(4)]
    assert list(weeks) == ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]
    assert weeks["2026-W46"].alpha is None and weeks["2026-W46"].pairable_units == 0
    alphas = []
    for name, (_day, ana, ben) in CODED.items():
        week = weeks[f"2026-W{name[1:]}"]
        expected = _expected(ana, ben)
        assert week.pairable_units == TURNS, name
        assert week.alpha == pytest.approx(expected), name
        alphas.append(expected)
    # the study drifts: each coded week agrees less than the one before
    assert alphas[0] > alphas[1] > alphas[2]
