"""A second pass coded turn by turn (issue #19) on the coding key's path of issue #14, which
reads the coder, its kind and whether the transcript is a retest label in one statement: a
retest label is coded only under its retest identity, and a retest identity codes only its
own retest transcripts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from socialcoder.errors import UserError
from socialcoder.services.assignments import assign
from socialcoder.services.coders import add_coders
from socialcoder.services.coding import clear_code, set_code, set_completed
from socialcoder.services.retest import draw_retest_plan, retest_spec, store_retest_plan
from socialcoder.services.study import open_study
from socialcoder.services.transcript_lookup import transcript_id
from socialcoder.services.transcript_view import show_transcript
from socialcoder.storage.models import CoderRow, CompletionRow


def test_a_second_pass_is_coded_per_turn_under_its_retest_identity_only(
    small_study: Path,
) -> None:
    with open_study(small_study) as study:
        add_coders(study, ["A"])
        assign(study, coder="A", transcript="T1")
        set_code(study, coder="A", transcript="T1", segment=2, dimension="x", value="1")
        set_completed(study, coder="A", transcript="T1", completed=True)
        stored = store_retest_plan(study, draw_retest_plan(study, retest_spec(100, 10, seed=1)))
        label = stored.labels[("A", "T1")]
        with study.write() as session:  # the first pass was completed 11 days ago
            a = session.scalars(select(CoderRow.id).where(CoderRow.name == "A")).one()
            row = session.get(CompletionRow, (a, transcript_id(session, "T1")))
            assert row is not None
            row.completed_at = datetime.now(UTC) - timedelta(days=11)

        with pytest.raises(UserError, match="second pass"):
            set_code(study, coder="A", transcript=label, segment=1, dimension="x", value="1")
        with pytest.raises(UserError, match="second pass"):
            clear_code(study, coder="A", transcript=label, segment=2, dimension="x")
        with pytest.raises(UserError, match="not a second pass of this retest coder"):
            set_code(study, coder="A (retest)", transcript="T2", segment=1, dimension="x",
                     value="1")  # fmt: skip

        set_code(study, coder="A (retest)", transcript=label, segment=1, dimension="x", value="1")
        second = show_transcript(study, label, coder="A (retest)", as_coder=True)
        assert [s.codes for s in second.segments] == [{"x": "1"}, {}, {}]
        first = show_transcript(study, "T1", coder="A")
        assert [s.codes for s in first.segments] == [{}, {"x": "1"}, {}]
