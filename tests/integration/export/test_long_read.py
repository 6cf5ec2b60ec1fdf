"""The long table reads only the segments some segment-level dimension applies to (issue #14):
the same table as from every segment, and the sessions' minutes still count every turn."""

from __future__ import annotations

import pandas as pd
import pytest

from socialcoder.export.tables import build_table
from socialcoder.services.exporting import (
    build_export_table,
    load_study_data,
    long_roles,
    resolve_coders,
)
from socialcoder.services.study import Study


@pytest.mark.parametrize("with_text", [False, True])
@pytest.mark.parametrize("which", ["small", "demo"])
def test_long_table_from_applicable_segments_equals_the_whole_read(
    which: str, with_text: bool, request: pytest.FixtureRequest
) -> None:
    study: Study = request.getfixturevalue(which)
    whole = load_study_data(study, resolve_coders(study), with_text=with_text)
    expected = build_table("long", whole, with_text=with_text)
    table = build_export_table(study, "long", with_text=with_text)
    pd.testing.assert_frame_equal(table.frame, expected.frame)
    assert table.columns == expected.columns


def test_only_applicable_segments_are_read_and_minutes_count_every_turn(demo: Study) -> None:
    coders = resolve_coders(demo)
    whole = load_study_data(demo, coders)
    roles = long_roles(demo)
    assert roles and roles < set(whole.segments["role"])  # some turns apply to no dimension
    part = load_study_data(demo, coders, segment_roles=roles)
    assert set(part.segments["role"]) == roles
    assert len(part.segments) == whole.segments["role"].isin(roles).sum()
    assert whole.transcripts["minutes"].notna().any()
    pd.testing.assert_frame_equal(part.transcripts, whole.transcripts)


def test_minutes_from_the_database_equal_those_from_the_turns(small: Study) -> None:
    coders = resolve_coders(small)
    whole = load_study_data(small, coders)
    part = load_study_data(small, coders, segment_roles=set())
    assert part.segments.empty
    assert whole.transcripts["minutes"].notna().all()
    pd.testing.assert_frame_equal(part.transcripts, whole.transcripts)
