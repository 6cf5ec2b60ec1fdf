"""Lag-sequential tables against hand-counted turns, the textbook formulas and statsmodels'
contingency-table residuals; the SDIS event file."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialcoder.analysis import (
    AnalysisInputError,
    CodeSpecError,
    TooFewUnitsError,
    parse_code,
    sdis_text,
    sequential,
    sequential_dataset,
    sequential_matrix,
    turns_from_long,
    turns_from_wide,
    two_by_two,
)
from socialcoder.codebooks import load_default_codebook
from socialcoder.codebooks.build import BINARY_VALUES
from socialcoder.domain.codebook import Codebook, CodeValue, Dimension, Role, Scale, Unit
from socialcoder.export.tables import build_long, build_wide

T, P = frozenset({Role.THERAPIST}), frozenset({Role.PATIENT})
LEVELS = (CodeValue("none", "none"), CodeValue("mild", "mild"), CodeValue("strong", "strong"))
BOOK = Codebook(
    "test",
    "2",
    (
        Dimension("tinc", "Therapist incongruent", Scale.BINARY, BINARY_VALUES, applies_to=T),
        Dimension("res", "Resistance", Scale.ORDINAL, LEVELS, applies_to=P),
        Dimension("conc", "Concordance", Scale.BINARY, BINARY_VALUES, applies_to=P),
        Dimension(
            "goal",
            "Goal agreement",
            Scale.INTERVAL,
            tuple(CodeValue(str(i), str(i)) for i in range(1, 8)),
            unit=Unit.SESSION,
        ),
    ),
)


def _turns() -> pd.DataFrame:
    """Two fictional transcripts (segment, role, tinc, res); A ends with a therapist turn
    coded 1 and B starts with a patient turn 'strong', a pair that must not be formed."""
    a = [
        (1, "T", "1", None),
        (2, "P", None, "strong"),
        (3, "T", "0", None),
        (4, "P", None, "none"),
        (5, "T", "1", None),
        (6, "P", None, "mild"),
        (7, "T", "1", None),
        (8, "T", "0", None),
        (9, "P", None, "strong"),
        (10, "T", "1", None),
    ]
    b = [
        (1, "P", None, "strong"),
        (2, "T", "1", None),
        (3, "P", None, None),
        (4, "T", "0", None),
        (5, "P", None, "strong"),
    ]
    rows = [("A", "p1", 1, *r) for r in a] + [("B", "p2", 1, *r) for r in b]
    frame = pd.DataFrame(
        rows, columns=["transcript", "participant", "session", "segment", "role", "tinc", "res"]
    )
    frame["role"] = frame["role"].map({"T": "therapist", "P": "patient"})
    frame["conc"] = np.where(frame["role"] == "patient", "0", None)
    return frame


def test_hand_counted_table_at_lag_1() -> None:
    result = sequential(_turns(), "therapist:tinc", "patient:res=strong", codebook=BOOK, n_boot=0)
    table = result.tables[0]
    assert (table.table.a, table.table.b, table.table.c, table.table.d) == (1, 1, 2, 1)
    assert table.left_out_missing == 1  # B 2 -> 3: resistance not coded
    assert result.other_role_pairs == 1  # A 7 -> 8: therapist -> therapist
    assert result.base_pairs == 6
    assert table.table.yules_q == pytest.approx((1 * 1 - 1 * 2) / (1 * 1 + 1 * 2))
    assert table.table.transitional_probability == pytest.approx(0.5)
    per = {s.transcript: s for s in table.per_session}
    assert (per["A"].a, per["A"].b, per["A"].c, per["A"].d) == (1, 1, 1, 1)
    assert per["A"].yules_q == 0.0
    assert per["B"].yules_q is None and "ad + bc = 0" in per["B"].reason
    assert table.session_q.mean == 0.0 and table.session_q.sessions == 1
    item = result.to_dict(per_session=True)
    json.dumps(item, allow_nan=False)
    assert list(item["tables"][0]["counts"]) == ["a", "b", "c", "d"]


def test_lag_2_and_impossible_transitions() -> None:
    result = sequential(
        _turns(), "therapist:tinc", "patient:res=strong", lag=2, codebook=BOOK, n_boot=0
    )
    assert result.base_pairs == 1  # only A 7 -> 9
    assert (result.tables[0].table.a, result.tables[0].table.n) == (1, 1)
    alternating = _turns()
    alternating = alternating[alternating["transcript"] == "B"]
    with pytest.raises(TooFewUnitsError) as err:
        sequential(alternating, "patient:res=strong", "patient:res=strong", codebook=BOOK)
    assert err.value.found == 0 and "patient -> patient" in err.value.unit


def _statsmodels_table(a: int, b: int, c: int, d: int):
    from statsmodels.stats.contingency_tables import Table, Table2x2

    cells = np.array([[a, b], [c, d]], dtype=float)
    return Table(cells.copy(), shift_zeros=False), Table2x2(cells.copy(), shift_zeros=False)


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 60), st.integers(0, 60), st.integers(0, 60), st.integers(0, 60))
def test_two_by_two_against_the_formulas_and_statsmodels(a, b, c, d) -> None:
    got = two_by_two(a, b, c, d)
    n = a + b + c + d
    margins_ok = n > 0 and 0 not in (a + b, c + d, a + c, b + d)
    if (a * d + b * c) > 0:
        assert got.yules_q == pytest.approx((a * d - b * c) / (a * d + b * c))
    else:
        assert got.yules_q is None
    if not margins_ok:
        assert got.adjusted_residual is None and got.odds_ratio is None
        return
    e = (a + b) * (a + c) / n
    z = (a - e) / np.sqrt(e * (1 - (a + b) / n) * (1 - (a + c) / n))
    table, t2 = _statsmodels_table(a, b, c, d)
    assert got.expected == pytest.approx(e)
    assert got.adjusted_residual == pytest.approx(z)
    assert got.adjusted_residual == pytest.approx(table.standardized_resids[0, 0])
    assert got.transitional_probability == pytest.approx(a / (a + b))
    if min(a, b, c, d) > 0:
        assert got.odds_ratio == pytest.approx(t2.oddsratio)
        assert got.odds_ratio_ci95 == pytest.approx(t2.oddsratio_confint())
        assert got.odds_ratio_correction is None
        assert got.yules_q == pytest.approx((got.odds_ratio - 1) / (got.odds_ratio + 1))
    else:  # Haldane-Anscombe: 0.5 added to every cell
        ha, hb, hc, hd = a + 0.5, b + 0.5, c + 0.5, d + 0.5
        assert got.odds_ratio == pytest.approx(ha * hd / (hb * hc))
        half = 1.959963984540054 * np.sqrt(1 / ha + 1 / hb + 1 / hc + 1 / hd)
        log_or = np.log(ha * hd / (hb * hc))
        assert got.odds_ratio_ci95 == pytest.approx((np.exp(log_or - half), np.exp(log_or + half)))
        assert got.odds_ratio_correction == "haldane_anscombe_0.5"
    small = got.min_expected < 5
    assert any("below 5" in w for w in got.warnings) == small


def test_parse_code_refusals() -> None:
    assert parse_code("T:tinc", BOOK).value == "1"
    assert parse_code("patient:res=Mild", BOOK).value == "mild"
    for spec, part in (
        ("doctor:tinc", "unknown role"),
        ("tinc", "ROLE:DIMENSION"),
        ("patient:tinc", "not coded on patient turns"),
        ("patient:goal", "rated per session"),
        ("patient:res", "give a value"),
        ("patient:res=awful", "not a value"),
        ("patient:nope", "unknown dimension"),
    ):
        with pytest.raises(CodeSpecError, match=part) as err:
            parse_code(spec, BOOK)
        assert err.value.spec == spec
    with pytest.raises(AnalysisInputError, match="lag"):
        sequential(_turns(), "T:tinc", "P:res=strong", lag=0, codebook=BOOK)


def _therapist_book() -> Codebook:
    base = load_default_codebook()
    extra = (
        Dimension(
            "t_incongruent", "Therapist incongruent", Scale.BINARY, BINARY_VALUES, applies_to=T
        ),
        Dimension(
            "t_move",
            "Therapist move",
            Scale.NOMINAL,
            (CodeValue("explain", "explain"), CodeValue("ask", "ask"), CodeValue("plan", "plan")),
            applies_to=T,
        ),
    )
    return Codebook(base.name, base.version, base.dimensions + extra)


def _therapist_codes(rng: np.random.Generator) -> dict[str, str]:
    out = {"t_move": str(rng.choice(["explain", "ask", "plan"]))}
    if rng.random() < 0.3:
        out["t_incongruent"] = "1"
    return out


def test_matrix_of_therapist_to_patient_transitions(make_study) -> None:
    book = _therapist_book()
    data = make_study(
        seed=4, participants=8, sessions=3, codebook=book, therapist_codes=_therapist_codes
    )
    turns = turns_from_long(build_long(data).frame)
    result = sequential_matrix(turns, book, lag=1, seed=5, n_boot=300)
    givens = [
        "therapist:t_incongruent=1",
        "therapist:t_move=explain",
        "therapist:t_move=ask",
        "therapist:t_move=plan",
    ]
    targets = [
        "patient:concordance=1",
        "patient:incongruent_principles=1",
        "patient:resistance=none",
        "patient:resistance=mild",
        "patient:resistance=strong",
    ]
    assert [t.given.spec for t in result.tables[:: len(targets)]] == givens
    assert [t.target.spec for t in result.tables[: len(targets)]] == targets
    matrix = result.residual_matrix()
    assert matrix.shape == (4, 5)
    # every table counts the same therapist -> patient pairs (no code is missing here)
    assert {t.table.n for t in result.tables} == {result.base_pairs}
    assert result.base_pairs == 8 * 3 * 10  # 20 turns alternate T, P: 10 T -> P pairs each
    # the pooled counts of one table, by hand from the turns
    t = turns.sort_values(["transcript", "segment"])
    nxt = t.groupby("transcript")["resistance"].shift(-1)
    g = (t["role"] == "therapist") & (t["t_move"] == "ask")
    assert result.table(givens[2], targets[4]).table.a == int((g & (nxt == "strong")).sum())
    q = result.table(givens[0], targets[0]).session_q
    assert q.participants == 8 and q.ci95 is not None and q.ci95[0] <= q.mean <= q.ci95[1]
    frame = result.per_session_frame()
    assert len(frame) == 20 * 24 and {"a", "b", "c", "d", "yules_q"} <= set(frame.columns)
    json.dumps(result.to_dict(), allow_nan=False)
    ds = sequential_dataset(result)
    one = ds.frame[(ds.frame["given"] == givens[0]) & (ds.frame["target"] == targets[0])]
    per = result.table(givens[0], targets[0]).per_session
    assert list(one["yules_q"].fillna(-9)) == [-9 if s.yules_q is None else s.yules_q for s in per]


def test_turns_from_long_and_wide_agree(make_study) -> None:
    data = make_study(seed=2, participants=3, sessions=2)
    long_turns = turns_from_long(build_long(data).frame)
    wide_turns = turns_from_wide(build_wide(data).frame, data.codebook, coder="ana")
    assert len(wide_turns) == 3 * 2 * 20 and len(long_turns) == 3 * 2 * 10  # patient turns only
    merged = long_turns.merge(wide_turns, on=["transcript", "segment"], suffixes=("_l", "_w"))
    for dim in ("concordance", "incongruent_principles", "resistance"):
        assert (merged[f"{dim}_l"] == merged[f"{dim}_w"]).all()


def _parse_sdis(text: str) -> tuple[list[str], dict[str, list[set[str]]]]:
    body = [ln for ln in text.splitlines() if ln and not ln.startswith("%")]
    assert all(len(ln) <= 80 for ln in text.splitlines()), [
        ln for ln in text.splitlines() if len(ln) > 80
    ]
    joined = " ".join(body)
    decl, rest = joined.split(";", 1)
    assert decl.startswith("Multi ")
    sessions = {}
    for chunk in rest.split("/")[:-1]:
        m = re.fullmatch(r"<([^>]+)> (.*)", " ".join(chunk.split()))
        assert m, chunk
        events = [e.strip() for e in m.group(2).split(".") if e.strip()]
        sessions[m.group(1)] = [set(e.split()) for e in events]
    return decl.split()[1:], sessions


def test_sdis_events_round_trip(make_study) -> None:
    book = _therapist_book()
    data = make_study(
        seed=1, participants=2, sessions=2, codebook=book, therapist_codes=_therapist_codes
    )
    turns = turns_from_wide(build_wide(data).frame, book, coder="ana")
    export = sdis_text(turns, book, title="Fictional study")
    declared, sessions = _parse_sdis(export.text)
    assert all(len(c) <= 7 and re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", c) for c in declared)
    assert len(set(c.lower() for c in declared)) == len(declared)
    assert export.sessions == 4 and export.events == 80
    legend = {meaning: code for code, meaning in export.codes.items()}
    for name, part in turns.groupby("transcript"):
        events = sessions[name]
        assert len(events) == len(part)
        for ev, row in zip(events, part.sort_values("segment").itertuples(), strict=True):
            want = {"T" if row.role == "therapist" else "P"}
            if row.concordance == "1":
                want.add(legend["Concordance with the model"])
            if row.resistance:
                want.add(
                    legend[f"Resistance = {book.dimension('resistance').label_of(row.resistance)}"]
                )
            if row.t_move:
                want.add(legend[f"Therapist move = {row.t_move}"])
            if row.t_incongruent == "1":
                want.add(legend["Therapist incongruent"])
            if row.incongruent_principles == "1":
                want.add(legend["Incongruent principles"])
            assert ev == want


def test_sdis_refuses_missing_turns_and_bad_names(make_study) -> None:
    data = make_study(seed=1, participants=1, sessions=1)
    turns = turns_from_long(build_long(data).frame)  # patient turns only: gaps
    with pytest.raises(AnalysisInputError, match="lacks turn"):
        sdis_text(turns, data.codebook)
    full = turns_from_wide(build_wide(data).frame, data.codebook, coder="ana")
    with pytest.raises(AnalysisInputError, match="at most 7"):
        sdis_text(full, data.codebook, names={"concordance": "concordant"})
    named = sdis_text(full, data.codebook, names={"concordance": "Conc"})
    assert "Conc" in named.codes
