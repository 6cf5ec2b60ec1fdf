"""Property test (issue #12): random studies -- random codebooks (binary, nominal, ordinal and
interval dimensions, segment- and session-level, role-restricted, with and without
``empty_means``), random codes, memos and completions -- go through the reliability data
(``services/reliability_data.py``, numpy, with and without a time window that covers
everything) and the long export table (``export/tables.py``, pandas); both must agree cell by
cell: the same value, the same implied flag, the same units, the same coders who worked.

The expected agreement is the rule of ``domain/rules.py`` itself, checked here on every cell by
:func:`~socialcoder.domain.rules.cell` from the raw codes the test wrote."""

from __future__ import annotations

import math
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialcoder.domain.rules import applies, cell, worked
from socialcoder.services.coders import add_coders
from socialcoder.services.coding import set_code, set_completed, set_segment_memo
from socialcoder.services.exporting import build_export_table
from socialcoder.services.reliability_data import Selection, load_dimension_data
from socialcoder.services.study import create_study, open_study
from socialcoder.services.transcript_import import ImportItem, import_transcripts

SCALES = ("binary", "nominal", "ordinal", "interval")
VALUES = ("v0", "v1", "v2")


@st.composite
def dimensions(draw: st.DrawFn, key: str) -> dict:
    scale = draw(st.sampled_from(SCALES))
    out: dict = {"key": key, "label": key.title(), "scale": scale}
    out["unit"] = draw(st.sampled_from(("segment", "segment", "session")))
    if out["unit"] == "segment":
        out["applies_to"] = draw(
            st.sampled_from((["therapist"], ["patient"], ["therapist", "patient"]))
        )
    if scale in ("nominal", "ordinal"):
        n = draw(st.integers(2, 3))
        out["values"] = list(VALUES[:n])
        if draw(st.booleans()):
            out["empty_means"] = draw(st.sampled_from(out["values"]))
    elif scale == "interval" and draw(st.booleans()):
        out["values"] = [1, 2, 3]
    return out


@st.composite
def studies(draw: st.DrawFn) -> dict:
    dims = [draw(dimensions(f"d{i}")) for i in range(draw(st.integers(1, 4)))]
    transcripts = {
        f"t{i}": draw(st.lists(st.sampled_from("TP"), min_size=2, max_size=6))
        for i in range(draw(st.integers(1, 3)))
    }
    coders = ["ana", "ben", "cleo"][: draw(st.integers(2, 3))]
    work = []
    for name, roles in transcripts.items():
        for coder in coders:
            if not draw(st.booleans()):
                if draw(st.integers(0, 4)) == 0:  # a memo is work too
                    work.append(("memo", coder, name, 1, None, None))
                continue
            for dim in dims:
                units = [None] if dim["unit"] == "session" else list(range(1, len(roles) + 1))
                for segment in units:
                    if segment is not None:
                        role = "therapist" if roles[segment - 1] == "T" else "patient"
                        if role not in dim["applies_to"]:
                            continue
                    if draw(st.integers(0, 2)) == 0:
                        continue  # left empty
                    work.append(("code", coder, name, segment, dim["key"], draw(value_of(dim))))
            if draw(st.booleans()):
                work.append(("complete", coder, name, None, None, None))
    return {"dims": dims, "transcripts": transcripts, "coders": coders, "work": work}


def value_of(dim: dict) -> st.SearchStrategy[str]:
    if dim["scale"] == "binary":
        return st.sampled_from(("0", "1"))
    if "values" in dim:
        return st.sampled_from([str(v) for v in dim["values"]])
    return st.sampled_from(("0", "2.5", "7", "-1"))


def build(spec: dict, folder: Path) -> Path:
    book = folder / "book.yaml"
    book.write_text(
        yaml.safe_dump({"name": "random", "version": "1", "dimensions": spec["dims"]}),
        encoding="utf-8",
    )
    path = folder / "random.scstudy"
    create_study(path, codebook_path=book).close()
    items = []
    for name, roles in spec["transcripts"].items():
        source = folder / f"{name}.txt"
        lines = [f"{r}: fictional turn {i} of {name}" for i, r in enumerate(roles)]
        source.write_text("\n".join(lines) + "\n", encoding="utf-8")
        items.append(ImportItem(path=source, name=name))
    with open_study(path) as study:
        import_transcripts(study, items)
        add_coders(study, spec["coders"])
        for kind, coder, name, segment, key, value in spec["work"]:
            if kind == "code":
                set_code(
                    study, coder=coder, transcript=name, segment=segment, dimension=key,
                    value=value,
                )  # fmt: skip
            elif kind == "memo":
                set_segment_memo(study, coder=coder, transcript=name, segment=1, text="memo")
            else:
                set_completed(study, coder=coder, transcript=name)
    return path


def _same(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a is b
    try:
        return math.isclose(float(a), float(b))
    except ValueError:
        return a == b


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(spec=studies())
def test_reliability_data_and_export_agree_cell_by_cell(spec: dict) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = build(spec, Path(folder))
        with open_study(path) as study:
            long = build_export_table(study, "long").frame
            plain = load_dimension_data(study)
            window = load_dimension_data(study, Selection(since=datetime(2000, 1, 1, tzinfo=UTC)))
            codebook = study.codebook
    entered = {
        (coder, name, segment, key): value
        for kind, coder, name, segment, key, value in spec["work"]
        if kind == "code"
    }
    done = {(coder, name) for kind, coder, name, *_ in spec["work"] if kind == "complete"}
    pairs = worked(
        codes=[(n, c) for k, c, n, *_ in spec["work"] if k == "code"],
        memos=[(n, c) for k, c, n, *_ in spec["work"] if k == "memo"],
        completions=[(n, c) for c, n in done],
    )
    exported = {
        (
            str(r.coder),
            r.transcript,
            None if pd.isna(r.segment) else int(r.segment),
            str(r.dimension),
        ): (None if pd.isna(r.value) else str(r.value), bool(r.implied))
        for r in long.itertuples()
    }
    # the export: one row per applicable unit of every pair that worked, with the rule's value
    expected_rows = {}
    for name, roles in spec["transcripts"].items():
        for coder in spec["coders"]:
            if (name, coder) not in pairs:
                continue
            for dim in codebook.dimensions:
                units = [None] if dim.unit.value == "session" else range(1, len(roles) + 1)
                for segment in units:
                    role = (
                        None
                        if segment is None
                        else ("therapist", "patient")[roles[segment - 1] == "P"]
                    )
                    if not applies(dim, role):
                        continue
                    rule = cell(
                        dim,
                        entered.get((coder, name, segment, dim.key)),
                        completed=(coder, name) in done,
                    )
                    expected_rows[(coder, name, segment, dim.key)] = (rule.value, rule.implied)
    assert exported.keys() == expected_rows.keys()
    for key, (value, implied) in expected_rows.items():
        got_value, got_implied = exported[key]
        assert _same(got_value, value) and got_implied is implied, key
    # reliability: the same cells on the transcripts two or more coders worked on
    eligible = {n for n in spec["transcripts"] if sum((n, c) in pairs for c in spec["coders"]) >= 2}
    for data in (plain, window):
        for dd in data:
            seen = 0
            for j, unit in enumerate(dd.units):
                assert unit.transcript in eligible
                for i, coder in enumerate(dd.coders):
                    key = (coder, unit.transcript, unit.segment, dd.dimension.key)
                    assert bool(dd.involved[i, j]) is (key in exported), key
                    if key not in exported:
                        assert math.isnan(dd.data[i, j])
                        continue
                    seen += 1
                    value, implied = exported[key]
                    assert _same(dd.value_text(dd.data[i, j]), value), key
                    assert bool(dd.implied[i, j]) is implied, key
            in_export = [k for k in exported if k[3] == dd.dimension.key and k[1] in eligible]
            assert seen == len(in_export)
