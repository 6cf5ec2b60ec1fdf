"""The long table built column by column (``export/tables.py``) against a table built cell by
cell here, and against the merges it replaced (the final layer's path), on random fictional
studies: blank cells, completed and open transcripts, memos with commas, quotes, new lines and
non-ASCII text, a machine coder, session-level dimensions, missing times. Nothing here is real
patient data.
"""

from __future__ import annotations

import csv
import io
import math
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from socialcoder.codebooks import parse_codebook
from socialcoder.domain.codebook import Codebook, Dimension, Scale, Unit
from socialcoder.domain.rules import implied_mask
from socialcoder.export import tables
from socialcoder.export.model import StudyData
from socialcoder.export.output import prepare_output
from socialcoder.export.writers import write_table

CODEBOOK = """\
name: Random
version: "3.2"
dimensions:
  - key: talk
    label: Talk
    scale: binary
    unit: segment
    applies_to: [therapist, patient]
  - key: topic
    label: Topic
    scale: nominal
    values: [symptoms, {value: activity, label: "Activity, rest"}, sleep]
    unit: segment
    applies_to: [patient]
  - key: mood
    label: Mood
    scale: ordinal
    values: [low, mid, high]
    empty_means: low
    unit: segment
    applies_to: [therapist]
  - key: pace
    label: Pace
    scale: interval
    unit: segment
    applies_to: [patient]
  - key: goal
    label: Goal agreement
    scale: interval
    values: [1, 2, 3, 4, 5]
    unit: session
  - key: frame
    label: Frame
    scale: nominal
    values: [none, some, "a lot"]
    empty_means: none
    unit: session
"""
MEMOS = [
    None,
    "",
    "plain",
    'says "walk", then rests',
    "two\nlines, and a comma",
    "Grüße – ça va? 睡眠",
    '""',
    "a,b,c",
]
CODERS = ("ana", "ben", "bot", "consensus")


def _codebook() -> Codebook:
    return parse_codebook(CODEBOOK, source="random.yaml")


def _random_values(dim: Dimension, rng: random.Random) -> str:
    if dim.scale is Scale.BINARY:
        return rng.choice(["0", "1"])
    if dim.key == "pace":
        return rng.choice(["2.5", "-1", "10", "0.125"])
    return rng.choice(dim.value_texts)


def random_study(seed: int) -> StudyData:
    rng = random.Random(seed)
    book = _codebook()
    transcripts, segments, involved, codes, memos = [], [], [], [], []
    n_transcripts = rng.randint(1, 5)
    names = rng.sample([f"t{i:02d}" for i in range(20)], n_transcripts)
    seg_id = rng.randint(1, 50)
    coders = tuple(c for c in CODERS if rng.random() < 0.8) or ("ana",)
    for tid, name in zip(rng.sample(range(3, 40), n_transcripts), names, strict=True):
        date = None if rng.random() < 0.5 else pd.Timestamp(2024, 1, tid % 28 + 1).date()
        therapist = rng.choice([None, "T1", "T,2"])
        transcripts.append((tid, name, f"P{tid}", therapist, rng.choice([None, tid % 4]), date, ""))
        turns = []
        for number in range(1, rng.randint(0, 7) + 1):
            seg_id += rng.randint(1, 3)
            role = rng.choice(["therapist", "patient"])
            start = None if rng.random() < 0.3 else float(number * 4)
            end = None if start is None else start + rng.choice([1.5, 2.0])
            est = rng.random() < 0.3
            turns.append(
                (seg_id, tid, number, role, role[0].upper(), start, end, est, not est, "text")
            )
        rng.shuffle(turns)  # the frames need not be in any order
        segments += turns
        for coder in coders:
            if rng.random() < 0.25:
                continue  # did not work on it
            involved.append((tid, coder, rng.random() < 0.5))
            for turn in turns:
                for dim in book.segment_dimensions(turn[3]):
                    if rng.random() < 0.4:
                        version = rng.choice(["3.2", "3.1"])
                        value = _random_values(dim, rng)
                        codes.append(
                            (tid, turn[0], coder, dim.key, value, rng.choice(MEMOS), version)
                        )
                if rng.random() < 0.3:
                    memos.append((turn[0], coder, rng.choice(MEMOS[2:]), tid))
            for dim in book.session_dimensions():
                if rng.random() < 0.5:
                    value = _random_values(dim, rng)
                    codes.append((tid, None, coder, dim.key, value, rng.choice(MEMOS), "3.2"))
    rng.shuffle(involved)
    rng.shuffle(codes)
    return StudyData(
        codebook=book,
        codebook_version=book.version,
        coders=coders,
        transcripts=pd.DataFrame(
            transcripts,
            columns=[
                "transcript_id",
                "transcript",
                "participant",
                "therapist",
                "session",
                "date",
                "preamble",
            ],
        ).astype({"transcript_id": "int64", "session": "Int64"}),
        segments=pd.DataFrame(
            segments,
            columns=[
                "segment_id",
                "transcript_id",
                "segment",
                "role",
                "speaker",
                "start",
                "end",
                "start_estimated",
                "end_estimated",
                "text",
            ],
        ).astype(  # as load_study_data types them
            {
                "segment_id": "int64",
                "transcript_id": "int64",
                "segment": "int64",
                "start": "float64",
                "end": "float64",
                "start_estimated": bool,
                "end_estimated": bool,
            }
        ),
        involved=pd.DataFrame(involved, columns=["transcript_id", "coder", "completed"]).astype(
            {"transcript_id": "int64", "completed": bool}
        ),
        codes=pd.DataFrame(
            codes,
            columns=[
                "transcript_id",
                "segment_id",
                "coder",
                "dimension",
                "value",
                "memo",
                "codebook_version",
            ],
        ).astype({"transcript_id": "int64", "segment_id": "float64"}),
        segment_memos=pd.DataFrame(
            memos, columns=["segment_id", "coder", "segment_memo", "transcript_id"]
        ).astype({"segment_id": "int64"}),
        kinds={"bot": "machine"} if "bot" in coders else {},
    )


def _number(dim: Dimension, value: str) -> float | None:
    if dim.scale in (Scale.NOMINAL, Scale.ORDINAL):
        return float(dim.value_texts.index(value))
    return float(value)


def _label(dim: Dimension, value: str) -> str:
    return next((v.label for v in dim.values if v.value == value), value)


def expected_rows(data: StudyData, with_text: bool) -> list[list[object]]:
    """The long table cell by cell, from the module doc of ``export/tables.py``."""
    book = data.codebook
    codes = {
        (t, None if s != s else int(s), c, d): (v, m, ver)
        for t, s, c, d, v, m, ver in data.codes.itertuples(index=False)
    }
    seg_memos = {(s, c): text for s, c, text, _ in data.segment_memos.itertuples(index=False)}
    done = {(t, c): bool(x) for t, c, x in data.involved.itertuples(index=False)}
    rows: list[list[object]] = []
    for t in data.transcripts.sort_values("transcript").itertuples(index=False):
        meta = [t.transcript, t.participant, t.therapist, t.session, t.date]
        turns = data.segments[data.segments["transcript_id"] == t.transcript_id]
        for coder in data.coders:
            if (t.transcript_id, coder) not in done:
                continue
            completed = done[(t.transcript_id, coder)]
            default = "consensus" if coder == "consensus" else "human"
            kind = [data.kinds.get(coder, default)] if data.kinds else []
            units = [
                (s, dim)
                for s in turns.sort_values("segment").itertuples(index=False)
                for dim in book.segment_dimensions()
                if dim.applies(s.role)
            ] + [(None, dim) for dim in book.session_dimensions()]
            for s, dim in units:
                seg = None if s is None else s.segment_id
                code = codes.get((t.transcript_id, seg, coder, dim.key))
                implied = code is None and completed and dim.empty_value is not None
                if code is not None:
                    value, memo, version = code
                elif implied:
                    value, memo, version = dim.empty_value, None, data.codebook_version
                else:
                    value = memo = version = None
                turn = (
                    [None] * (7 + with_text)
                    if s is None
                    else [
                        s.segment,
                        s.role,
                        s.speaker,
                        s.start,
                        s.end,
                        int(s.start_estimated),
                        int(s.end_estimated),
                        *([s.text] if with_text else []),
                    ]
                )
                rows.append(
                    [
                        *meta,
                        *turn,
                        coder,
                        *kind,
                        dim.key,
                        "session" if s is None else "segment",
                        value,
                        None if value is None else _number(dim, value),
                        None if value is None else _label(dim, value),
                        memo,
                        None if seg is None else seg_memos.get((seg, coder)),
                        int(completed),
                        int(implied),
                        version,
                    ]
                )
    return rows


def _csv_text(header: list[str], rows: list[list[object]]) -> str:
    def cell(v: object) -> object:
        if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
            return None
        return v

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[cell(v) for v in row] for row in rows])
    return out.getvalue()


@pytest.mark.parametrize("seed", range(40))
def test_long_table_is_the_table_built_cell_by_cell(seed: int, tmp_path: Path) -> None:
    data = random_study(seed)
    with_text = seed % 2 == 1
    table = tables.build_long(data, with_text=with_text)
    path = tmp_path / "long.csv"
    write_table(table, prepare_output(path, fmt="csv"))
    header = [c.name for c in table.columns]
    assert path.read_text(encoding="utf-8") == _csv_text(header, expected_rows(data, with_text))
    # a category with or without segment memos (a merge on memos once made it text)
    assert isinstance(table.frame["coder"].dtype, pd.CategoricalDtype)


@pytest.mark.parametrize("seed", range(40))
def test_column_by_column_is_the_merged_frame(seed: int) -> None:
    """Same values and the same column types (which Parquet, SPSS and Stata write)."""
    data = random_study(seed)
    for with_text in (False, True):
        fast = tables._with_kind(tables._long_frame(data, with_text), data)
        merged = tables._with_kind(tables._long_frame_merged(data, with_text), data)
        names = [c.name for c in tables._long_infos(data, with_text)]
        pd.testing.assert_frame_equal(
            fast[names].reset_index(drop=True), merged[names].reset_index(drop=True)
        )


def test_a_study_with_no_codes_and_no_pairs() -> None:
    data = random_study(3)
    empty = StudyData(
        codebook=data.codebook,
        codebook_version=data.codebook_version,
        coders=data.coders,
        transcripts=data.transcripts,
        segments=data.segments,
        involved=data.involved.iloc[:0],
        codes=data.codes.iloc[:0].astype(object),
        segment_memos=data.segment_memos.iloc[:0],
    )
    frame = tables.build_long(empty).frame
    assert len(frame) == 0
    assert list(frame.columns) == [c.name for c in tables._long_infos(empty, False)]


@pytest.mark.parametrize("layout", ["long", "sessions"])
def test_coder_kind_per_row(layout: str) -> None:
    data = next(d for d in map(random_study, range(40)) if d.kinds and len(d.involved) > 2)
    frame = tables.build_table(layout, data).frame
    expected = [
        "machine" if c == "bot" else "consensus" if c == "consensus" else "human"
        for c in frame["coder"].astype(str)
    ]
    assert frame["coder_kind"].tolist() == expected
    assert str(frame["coder_kind"].dtype) == "str"


def merged_units(data: StudyData) -> pd.DataFrame:
    """What ``export/tables.py`` built by merges before it built from positions (kept here as
    the reference for ``coded_units``, which the wide and sessions tables and the final layer
    read)."""
    codebook = data.codebook
    seg_dims = codebook.segment_dimensions()
    segs = data.segments[["segment_id", "transcript_id", "role"]]
    parts = []
    for dim in seg_dims:
        roles = [r.value for r in dim.applies_to]
        part = segs.loc[segs["role"].isin(roles), ["segment_id", "transcript_id"]]
        parts.append(part.assign(dimension=dim.key))
    # names as objects on both sides: an empty frame's column may be float64
    involved = data.involved[["transcript_id", "coder", "completed"]].astype({"coder": object})
    code_cols = ["coder", "dimension", "value", "memo", "codebook_version"]
    codes = data.codes.astype({"coder": object, "dimension": object})
    seg_codes = codes.loc[codes["segment_id"].notna(), ["segment_id", *code_cols]].astype(
        {"segment_id": "int64"}
    )
    frames = []
    if parts:
        grid = pd.concat(parts, ignore_index=True).merge(involved, on="transcript_id")
        grid = grid.merge(seg_codes, on=["segment_id", "coder", "dimension"], how="left")
        grid["unit"] = Unit.SEGMENT.value
        frames.append(grid)
    session_keys = [d.key for d in codebook.session_dimensions()]
    if session_keys:
        sess = involved.merge(pd.DataFrame({"dimension": session_keys}), how="cross")
        sess_codes = codes.loc[codes["segment_id"].isna(), ["transcript_id", *code_cols]]
        sess = sess.merge(sess_codes, on=["transcript_id", "coder", "dimension"], how="left")
        sess["segment_id"] = np.nan
        sess["unit"] = Unit.SESSION.value
        frames.append(sess)
    if not frames:
        return pd.DataFrame(
            columns=[
                "transcript_id",
                "segment_id",
                "coder",
                "dimension",
                "unit",
                "value",
                "value_numeric",
                "value_label",
                "memo",
                "codebook_version",
                "completed",
                "implied",
            ]
        )
    core = pd.concat(frames, ignore_index=True)
    _apply_completion_rule(core, codebook, data.codebook_version)
    _add_numbers_and_labels(core, codebook)
    core["dimension"] = pd.Categorical(core["dimension"], categories=list(codebook.keys))
    core["coder"] = pd.Categorical(core["coder"], categories=list(data.coders))
    return core


def _apply_completion_rule(core: pd.DataFrame, codebook: Codebook, version: str) -> None:
    """The completion rule (:mod:`socialcoder.domain.rules`) on coded units: a cell with no
    code of a coder who completed the transcript takes its dimension's empty value, made with
    the current codebook ``version``; adds the boolean column ``implied`` marking those."""
    empties = tables.empty_values(codebook)
    has_code = core["value"].notna().to_numpy()
    completed = core["completed"].astype(bool).to_numpy()
    fill = implied_mask(has_code, completed) & core["dimension"].isin(list(empties)).to_numpy()
    core.loc[fill, "value"] = core.loc[fill, "dimension"].map(empties)
    core.loc[fill, "codebook_version"] = version
    core["implied"] = fill


def _add_numbers_and_labels(core: pd.DataFrame, codebook: Codebook) -> None:
    """Add ``value_numeric`` and ``value_label``, computed once per distinct (dimension, value)."""
    dims = pd.Categorical(core["dimension"], categories=list(codebook.keys))
    values = pd.Categorical(core["value"])
    width = len(values.categories) + 1
    key = dims.codes.astype("int64") * width + (values.codes.astype("int64") + 1)
    uniq, inverse = np.unique(key, return_inverse=True)
    numbers = np.full(len(uniq), np.nan)
    labels = np.full(len(uniq), None, dtype=object)
    for i, k in enumerate(uniq):
        d, v = divmod(int(k), width)
        if d < 0 or v == 0:
            continue
        dim = codebook.dimensions[d]
        text = str(values.categories[v - 1])
        numbers[i] = tables._numeric(pd.Series([text]), dim).iloc[0]
        labels[i] = dim.label_of(text)
    core["value_numeric"] = numbers[inverse]
    core["value_label"] = labels[inverse]


@pytest.mark.parametrize("seed", range(40))
def test_coded_units_are_the_merged_units(seed: int) -> None:
    """The frame the wide and sessions tables and the final layer start from: the same rows in
    the same order, the same columns and types as the merges built."""
    data = random_study(seed)
    pd.testing.assert_frame_equal(tables.coded_units(data), merged_units(data))


@pytest.mark.parametrize("seed", range(5))
def test_roles_in_spss_and_stata_are_the_domain_numbers(seed: int) -> None:
    """The role column of an SPSS or Stata file holds each turn's number of
    ``domain.rules.ROLE_NUMBERS`` (its value labels read back to the turn's role)."""
    from socialcoder.domain.rules import ROLE_NUMBERS
    from socialcoder.export.writers import stats_frame

    data = random_study(seed)
    table = tables.build_long(data)
    for kind in ("sav", "dta"):
        frame, _, labels = stats_frame(table, kind)
        roles = table.frame["role"]
        numbers = frame["role"]
        turns = roles.notna().to_numpy()
        expected = [float(ROLE_NUMBERS[r]) for r in roles[turns]]
        assert numbers[turns].tolist() == expected
        assert numbers[~turns].isna().all()
        assert {int(k): v for k, v in labels["role"].items()} == {
            n: r.value for r, n in ROLE_NUMBERS.items()
        }


def _wide_cell(dim: Dimension, value: str | None) -> object:
    """A value as the wide table types it: binary 0/1, nominal/ordinal the value, else a
    number; None when missing."""
    if value is None:
        return None
    if dim.scale is Scale.BINARY:
        return int(value)
    if dim.scale in (Scale.NOMINAL, Scale.ORDINAL):
        return value
    return float(value)


@pytest.mark.parametrize("seed", range(30))
def test_wide_table_is_the_rule_cell_by_cell(seed: int) -> None:
    """The wide table without a database: one row per segment of every transcript, and in the
    column of each dimension x coder the completion rule's value (written out here from the
    codes: the code, else the empty value where the coder completed the transcript, else
    missing); missing on a turn the dimension does not applies to and for a coder who did not
    work on the transcript; a session-level rating on every row of its transcript."""
    data = random_study(seed)
    frame = tables.build_wide(data).frame
    book = data.codebook
    codes = {
        (t, None if s != s else int(s), c, d): v
        for t, s, c, d, v, _, _ in data.codes.itertuples(index=False)
    }
    done = {(t, c): bool(x) for t, c, x in data.involved.itertuples(index=False)}
    names = dict(
        zip(data.transcripts["transcript_id"], data.transcripts["transcript"], strict=True)
    )
    expected_rows = sorted(
        (names[s.transcript_id], s.segment) for s in data.segments.itertuples(index=False)
    )
    assert list(zip(frame["transcript"], frame["segment"], strict=True)) == expected_rows
    by_turn = {(names[s.transcript_id], s.segment): s for s in data.segments.itertuples()}
    for row, (transcript, number) in enumerate(expected_rows):
        turn = by_turn[(transcript, number)]
        tid = turn.transcript_id
        for dim in book.dimensions:
            for coder in data.coders:
                unit = None if dim.unit is Unit.SESSION else turn.segment_id
                value = None
                if (tid, coder) in done and (unit is None or dim.applies(turn.role)):
                    value = codes.get((tid, unit, coder, dim.key))
                    if value is None and done[(tid, coder)]:
                        value = dim.empty_value
                got = frame[f"{dim.key}__{coder}"].iloc[row]
                got = None if pd.isna(got) else got
                assert got == _wide_cell(dim, value), (transcript, number, dim.key, coder)


@pytest.mark.parametrize("seed", range(30))
def test_sessions_table_is_the_rule_counted_by_hand(seed: int) -> None:
    """The sessions table without a database: per (transcript, coder) who worked on it, per
    segment-level dimension, the applicable turns, the turns counted (a value by the completion
    rule other than the empty value; binary: present), their rate per 100 applicable turns,
    the mean (ordinal: positions; interval), the turns of each nominal value, and each
    session-level rating; all written out here from the codes."""
    from socialcoder.export.columns import value_columns

    data = random_study(seed)
    frame = tables.build_table("sessions", data).frame
    book = data.codebook
    codes = {
        (t, None if s != s else int(s), c, d): v
        for t, s, c, d, v, _, _ in data.codes.itertuples(index=False)
    }
    done = {(t, c): bool(x) for t, c, x in data.involved.itertuples(index=False)}
    names = dict(
        zip(data.transcripts["transcript_id"], data.transcripts["transcript"], strict=True)
    )
    tid_of = {n: t for t, n in names.items()}
    pairs = [(str(t), str(c)) for t, c in zip(frame["transcript"], frame["coder"], strict=True)]
    assert sorted(pairs) == sorted((names[t], c) for t, c in done)

    def rule(tid: int, unit: int | None, coder: str, dim: Dimension) -> str | None:
        value = codes.get((tid, unit, coder, dim.key))
        return dim.empty_value if value is None and done[(tid, coder)] else value

    for row, (transcript, coder) in enumerate(pairs):
        tid = tid_of[transcript]
        turns = data.segments[data.segments["transcript_id"] == tid]
        for dim in book.segment_dimensions():
            values = [
                rule(tid, s.segment_id, coder, dim)
                for s in turns.itertuples()
                if dim.applies(s.role)
            ]
            counted = sum(v is not None and v != dim.empty_value for v in values)
            assert frame[f"{dim.key}_turns"].iloc[row] == len(values)
            assert frame[f"{dim.key}_n"].iloc[row] == counted
            rate = frame[f"{dim.key}_rate"].iloc[row]
            if values:
                assert rate == pytest.approx(100.0 * counted / len(values))
            else:
                assert math.isnan(rate)
            numbers = [_number(dim, v) for v in values if v is not None]
            if dim.scale in (Scale.ORDINAL, Scale.INTERVAL):
                mean = frame[f"{dim.key}_mean"].iloc[row]
                if numbers:
                    assert mean == pytest.approx(sum(numbers) / len(numbers))
                else:
                    assert math.isnan(mean)
            for value, stem in value_columns(dim):
                assert frame[f"{stem}_n"].iloc[row] == sum(v == value.value for v in values)
        for dim in book.session_dimensions():
            got = frame[dim.key].iloc[row]
            expected = rule(tid, None, coder, dim)
            assert (None if pd.isna(got) else got) == _wide_cell(dim, expected), (
                transcript,
                coder,
                dim.key,
            )
