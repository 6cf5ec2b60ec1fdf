"""The two ways reliability data reads codes give the same matrices on the same study.

`load_dimension_data` reads categorical codes through a fast path (the database packs each
code into one integer and returns them as one string, `_packed_codes`) and everything else
row by row (`_row_codes`). Here one study -- segment- and session-level dimensions, binary,
nominal and ordinal scales, several coders, some transcripts completed, some not -- is read
once as the program does and once with the fast path replaced by the row-by-row one; every
array of every dimension must be identical. On SQLite and PostgreSQL (where the packed numbers
are copied out, ``COPY ... TO STDOUT``, instead of one text aggregate, which PostgreSQL caps at
1 GB)."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from socialcoder.services import reliability_data
from socialcoder.services.coders import add_coders
from socialcoder.services.coding import set_code_in, set_completed
from socialcoder.services.reliability_data import DimensionData, Selection, load_dimension_data
from socialcoder.services.study import create_study, open_study
from socialcoder.services.transcript_import import ImportItem, import_transcripts

CODEBOOK = """\
name: Read paths test codebook
version: "1"
dimensions:
  - {key: flag, label: Flag, scale: binary, applies_to: [patient], shortcut: f}
  - key: topic
    label: Topic
    scale: nominal
    values: [activity, sleep, symptoms, other_topic]
    applies_to: [patient, therapist]
    shortcut: t
  - key: level
    label: Level
    scale: ordinal
    values: [low, middle, high]
    applies_to: [therapist]
    shortcut: l
  - key: phase
    label: Phase
    scale: nominal
    unit: session
    values: [early, middle_phase, late]
    shortcut: p
  - {key: rating, label: Rating, scale: interval, unit: session, shortcut: r}
"""
CODERS = ("ana", "ben", "cleo")
TRANSCRIPTS = ("one", "two", "three", "four")
TURNS = 12  # 6 therapist and 6 patient turns each


@pytest.fixture
def study(tmp_path: Path, study_target: str) -> str:
    (tmp_path / "cb.yaml").write_text(CODEBOOK, encoding="utf-8")
    path = study_target
    items = []
    for name in TRANSCRIPTS:
        source = tmp_path / f"{name}.txt"
        lines = [f"{'T' if i % 2 == 0 else 'P'}: {name} turn {i}, fictional" for i in range(TURNS)]
        source.write_text("\n".join(lines) + "\n", encoding="utf-8")
        items.append(ImportItem(path=source))
    rng = np.random.default_rng(2026)
    values = {"flag": ["0", "1"], "topic": ["activity", "sleep", "symptoms", "other_topic"]}
    values["level"] = ["low", "middle", "high"]
    with create_study(path, codebook_path=tmp_path / "cb.yaml") as s:
        import_transcripts(s, items)
        add_coders(s, CODERS)
        with s.write() as session:
            for coder in CODERS:
                for name in TRANSCRIPTS:
                    if coder == "cleo" and name == "four":
                        continue  # cleo never worked on transcript four
                    for segment in range(1, TURNS + 1):
                        patient = segment % 2 == 0
                        for key in ("flag", "topic") if patient else ("topic", "level"):
                            if rng.random() < 0.7:  # some cells left empty
                                choice = values[key][rng.integers(len(values[key]))]
                                set_code_in(
                                    session,
                                    s,
                                    coder=coder,
                                    transcript=name,
                                    segment=segment,
                                    dimension=key,
                                    value=choice,
                                )
                    if rng.random() < 0.8:
                        set_code_in(
                            session,
                            s,
                            coder=coder,
                            transcript=name,
                            segment=None,
                            dimension="phase",
                            value=["early", "middle_phase", "late"][rng.integers(3)],
                        )
                        set_code_in(
                            session,
                            s,
                            coder=coder,
                            transcript=name,
                            segment=None,
                            dimension="rating",
                            value=int(rng.integers(1, 8)),
                        )
        for coder, name in (("ana", "one"), ("ana", "two"), ("ben", "one"), ("cleo", "three")):
            set_completed(s, coder=coder, transcript=name)
    return path


def _read(path: str, selection: Selection) -> list[DimensionData]:
    with open_study(path) as s:
        return load_dimension_data(s, selection)


def _same(fast: DimensionData, slow: DimensionData) -> None:
    key = fast.dimension.key
    assert fast.coders == slow.coders, key
    assert fast.categories == slow.categories, key
    assert list(fast.units) == list(slow.units), key
    np.testing.assert_array_equal(fast.data, slow.data, err_msg=key)
    for name in ("involved", "implied", "completed"):
        a, b = getattr(fast, name), getattr(slow, name)
        assert (a is None) == (b is None), (key, name)
        if a is not None:
            np.testing.assert_array_equal(a, b, err_msg=f"{key} {name}")


@pytest.mark.parametrize(
    "selection",
    [Selection(), Selection(coders=("ana", "cleo")), Selection(transcripts=("one", "four"))],
    ids=["everything", "two coders", "two transcripts"],
)
def test_fast_and_row_by_row_reads_agree(
    study: str, selection: Selection, monkeypatch: pytest.MonkeyPatch
) -> None:
    packed_calls: list[str] = []
    packed = reliability_data._packed_codes

    def spy(conn, d, dim_id, base):
        packed_calls.append(d.key)
        return packed(conn, d, dim_id, base)

    monkeypatch.setattr(reliability_data, "_packed_codes", spy)
    fast = _read(study, selection)
    # the fast path read every categorical dimension, segment- and session-level alike
    assert packed_calls == ["flag", "topic", "level", "phase"]

    def row_by_row(conn, d, dim_id, base):
        return reliability_data._row_codes(conn, d, dim_id, base)

    monkeypatch.setattr(reliability_data, "_packed_codes", row_by_row)
    slow = _read(study, selection)
    assert [d.dimension.key for d in fast] == [d.dimension.key for d in slow]
    for a, b in zip(fast, slow, strict=True):
        _same(a, b)
    # the data are not trivial: every categorical matrix holds values and gaps
    for d in fast:
        assert np.isfinite(d.data).any() and np.isnan(d.data).any(), d.dimension.key


def test_segments_read_as_text_are_the_segment_rows(study: str) -> None:
    from sqlalchemy import select

    from socialcoder.domain.rules import ROLE_NUMBERS
    from socialcoder.storage.models import SegmentRow

    numbers = {r.value: n for r, n in ROLE_NUMBERS.items()}
    with open_study(study) as s, s.read() as session:
        conn = session.connection()
        reader = reliability_data._Reader(conn.connection.dbapi_connection, conn.dialect.name)
        packed = reliability_data._segments(reader, [], everything=True)
        rows = conn.execute(
            select(SegmentRow.id, SegmentRow.transcript_id, SegmentRow.idx, SegmentRow.role)
        ).all()
    expected = sorted((i, t, x, numbers.get(role, 0)) for i, t, x, role in rows)
    assert len(expected) == len(TRANSCRIPTS) * TURNS
    assert sorted(map(tuple, packed.tolist())) == expected


def test_a_whole_study_is_never_read_as_one_text_value_on_postgresql(
    study: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if "://" not in study:
        pytest.skip("SQLite has no COPY; its cap on one value is 1e9 bytes")
    statements: list[str] = []
    plain = reliability_data._Reader._sql

    def seen(reader, sql):
        statements.append(sql)
        return plain(reader, sql)

    monkeypatch.setattr(reliability_data._Reader, "_sql", seen)
    with open_study(study) as s:
        data = load_dimension_data(s, Selection())
    assert data and statements
    assert [q for q in statements if q.startswith("COPY")]
    assert not [q for q in statements if "string_agg" in q.lower()]


def test_a_refusal_of_the_plain_reader_reads_as_the_engines(study: str) -> None:
    """The reader's driver errors pass through the study's refusals (a read-only or refused
    connection gets the same one line as any other read)."""
    from sqlalchemy.exc import DBAPIError

    from socialcoder.services import study as study_module

    seen: list[type] = []
    real = study_module._refusals

    @contextmanager
    def spy(s):
        try:
            with real(s):
                yield
        except DBAPIError as exc:
            seen.append(type(exc))
            raise

    with open_study(study) as s, pytest.MonkeyPatch.context() as mp:
        mp.setattr(study_module, "_refusals", spy)
        with pytest.raises(DBAPIError), s.dbapi_read() as (connection, dialect):
            reader = reliability_data._Reader(connection, dialect)
            reader.rows("SELECT no_such_column FROM coders")
    assert seen  # wrapped before it left the read transaction
