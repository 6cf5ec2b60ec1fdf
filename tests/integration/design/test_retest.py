"""The blind second pass by the same coder (issue #19): a seeded retest plan, a retest
identity that codes under a masked label of its own, test-retest alpha checked against the
reference `krippendorff` package, and second passes that never change inter-rater figures,
consensus, the final layer or the default export."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import krippendorff
import numpy as np
import pytest
from sqlalchemy import select

from socialcoder.errors import UserError
from socialcoder.services.assignments import assign, progress
from socialcoder.services.coders import add_coders, list_coders, rename_coder
from socialcoder.services.coding import set_code, set_completed
from socialcoder.services.consensus import adjudicate, list_disagreements
from socialcoder.services.exporting import build_export_table
from socialcoder.services.final import final_tables
from socialcoder.services.reliability_report import reliability_report
from socialcoder.services.retest import (
    POOLED,
    draw_retest_plan,
    list_retests,
    retest_report,
    retest_spec,
    store_retest_plan,
)
from socialcoder.services.study import open_study
from socialcoder.services.study_change import ChangeKind, StudyChange
from socialcoder.services.transcript_list import list_transcripts
from socialcoder.services.transcript_view import show_transcript
from socialcoder.storage.models import CompletionRow

# first pass: coder -> transcript -> (x on segments 1..3, g)
FIRST = {
    "A": {"T1": ("101", "4"), "T2": ("011", "2"), "T3": ("110", "5"), "T4": ("001", "3")},
    "B": {"T1": ("100", "4"), "T2": ("011", "3"), "T3": ("111", "5"), "T4": ("000", "1")},
}
# second pass on every transcript (the plan draws 100 %): some values changed
SECOND = {
    "A": {"T1": ("100", "4"), "T2": ("011", "3"), "T3": ("110", "4"), "T4": ("001", "3")},
    "B": {"T1": ("110", "5"), "T2": ("011", "3"), "T3": ("101", "5"), "T4": ("000", "2")},
}


def _code(study, coder: str, transcript: str, values: tuple[str, str]) -> None:
    xs, g = values
    for seg, v in enumerate(xs, start=1):
        if v == "1":  # a binary 0 is what completion implies
            set_code(
                study, coder=coder, transcript=transcript, segment=seg, dimension="x", value="1"
            )
    set_code(study, coder=coder, transcript=transcript, segment=None, dimension="g", value=g)
    set_completed(study, coder=coder, transcript=transcript, completed=True)


@pytest.fixture
def coded(small_study: Path) -> Path:
    return _coded(small_study)


def _coded(small_study: Path) -> Path:
    with open_study(small_study) as study:
        add_coders(study, ["A", "B"])
        for t in ("T1", "T2", "T3", "T4"):
            assign(study, coder="A", transcript=t)
            assign(study, coder="B", transcript=t, purpose="reliability")
        for coder, per in FIRST.items():
            for t, values in per.items():
                _code(study, coder, t, values)
        adjudicate(study, transcript="T1", segment=2, dimension="x", value="1", reason="settled")
    return small_study


def _state(study):
    """Everything a second pass must leave as it is: inter-rater alpha, the disagreements
    consensus works on, the final layer, the default export, the coder lists."""
    report = reliability_report(study).to_json()["dimensions"]
    final = final_tables(study)
    return (
        report,
        [d.to_json() for d in list_disagreements(study)],
        final.sessions.to_csv(),
        final.long.to_csv(),
        final.counts,
        build_export_table(study, "long").frame.to_csv(),
        build_export_table(study, "sessions").frame.to_csv(),
        [(c.name, c.codes) for c in list_coders(study)],
        [(t.name, t.coders) for t in list_transcripts(study)],
    )


def test_the_plan_is_seeded_and_recorded_and_drawn_from_each_coders_own_work(coded) -> None:
    with open_study(coded) as study:
        one = draw_retest_plan(study, retest_spec(50, 14, seed=7))
        two = draw_retest_plan(study, retest_spec(50, 14, seed=7))
        assert one.draws == two.draws
        assert {d.coder for d in one.draws} == {"A", "B"}
        assert sum(d.coder == "A" for d in one.draws) == 2  # 50 % of 4 completed
        assert one.pools == {"A": 4, "B": 4}
        stored = store_retest_plan(study, one)
        assert stored.stored == 4
        labels = {t.label for t in list_transcripts(study)}
        assert not labels & set(stored.labels.values())  # labels of their own
        assert len(set(stored.labels.values())) == 4
        again = draw_retest_plan(study, retest_spec(100, 14, seed=7))  # no transcript twice
        assert not {(d.coder, d.transcript) for d in again.draws} & set(stored.labels)
        assert [c.name for c in list_coders(study)] == ["A", "B"]  # retest identities hidden
        with pytest.raises(UserError, match="retest"):
            assign(study, coder="A (retest)", transcript="T1")


def test_the_stored_plan_names_its_transcripts_and_retest_identities(coded) -> None:
    # the change the lead's window reports (issue #12): exactly the second passes written
    with open_study(coded) as study:
        stored = store_retest_plan(study, draw_retest_plan(study, retest_spec(100, 0, seed=1)))
        assert stored.change == StudyChange(
            frozenset({ChangeKind.ASSIGNMENTS, ChangeKind.CODERS}),
            frozenset({"T1", "T2", "T3", "T4"}),
            frozenset({"A (retest)", "B (retest)"}),
        )
        again = store_retest_plan(study, draw_retest_plan(study, retest_spec(100, 0, seed=1)))
        assert again.stored == 0 and again.change == StudyChange()


def test_a_second_pass_waits_then_shows_masked_without_the_first_pass(coded) -> None:
    with open_study(coded) as study:
        stored = store_retest_plan(study, draw_retest_plan(study, retest_spec(25, 10, seed=3)))
        [(coder, transcript)] = [k for k in stored.labels if k[0] == "A"]
        label = stored.labels[(coder, transcript)]
        mine = list_transcripts(study, coders=["A"], as_coder=True)
        assert label not in {t.name for t in mine}  # completed now: 10 days to wait
        with pytest.raises(UserError, match="not available yet"):
            set_code(study, coder="A (retest)", transcript=label, segment=None,
                     dimension="g", value="3")  # fmt: skip
        with study.write() as session:  # the first pass was completed 11 days ago
            tid = study_tid(session, transcript)
            row = session.get(CompletionRow, (a_id(session), tid))
            row.completed_at = datetime.now(UTC) - timedelta(days=11)
        mine = list_transcripts(study, coders=["A"], as_coder=True)
        [item] = [t for t in mine if t.name == label]
        assert item.masked and item.work_as == "A (retest)" and item.label == label
        assert item.participant is None and item.session is None
        assert label != transcript and all(t.label != label for t in list_transcripts(study))
        view = show_transcript(study, label, coder="A (retest)", as_coder=True)
        assert view.transcript.name == label and view.transcript.masked
        assert view.session_codes == {} and not any(s.codes for s in view.segments)
        with pytest.raises(UserError, match="second pass"):
            show_transcript(study, label, coder="A", as_coder=True)  # the first pass's codes
        with pytest.raises(UserError, match="second pass"):
            set_code(study, coder="A", transcript=label, segment=None, dimension="g", value="1")
        set_code(
            study, coder="A (retest)", transcript=label, segment=None, dimension="g", value="1"
        )
        view = show_transcript(study, label, coder="A (retest)", as_coder=True)
        assert view.session_codes == {"g": "1"}
        assert (
            show_transcript(study, transcript, coder="A").session_codes["g"]
            == FIRST["A"][transcript][1]
        )
        [entry] = [e for e in list_retests(study) if e.coder == "A"]
        assert entry.transcript == transcript and entry.label == label
        assert entry.available and entry.begun and not entry.completed
        assert any(p.coder == "A (retest)" for p in progress(study))
        assert all(p.coder != "A (retest)" for p in progress(study, coder="A"))
        assert "A (retest)" not in list_transcripts(study)[0].coders


def study_tid(session, name: str) -> int:
    from socialcoder.services.transcript_lookup import transcript_id

    return transcript_id(session, name)


def a_id(session) -> int:
    from socialcoder.storage.models import CoderRow

    return session.scalars(select(CoderRow.id).where(CoderRow.name == "A")).one()


def test_test_retest_alpha_matches_krippendorff_and_leaves_inter_rater_figures_alone(coded) -> None:
    with open_study(coded) as study:
        before = _state(study)
        stored = store_retest_plan(study, draw_retest_plan(study, retest_spec(100, 0, seed=1)))
        for (coder, transcript), label in stored.labels.items():
            _code(study, f"{coder} (retest)", label, SECOND[coder][transcript])
        assert _state(study) == before  # inter-rater alpha, final, export, coder lists
        report = retest_report(study, bootstrap=200, seed=5)
    rows = {(a.dimension, a.coder): a for a in report.agreements}
    pooled_x: list[list[float]] = [[], []]
    pooled_g: list[list[float]] = [[], []]
    for coder in ("A", "B"):
        ts = sorted(FIRST[coder])
        x = np.array(
            [
                [float(v) for t in ts for v in FIRST[coder][t][0]],
                [float(v) for t in ts for v in SECOND[coder][t][0]],
            ]
        )
        g = np.array(
            [[float(FIRST[coder][t][1]) for t in ts], [float(SECOND[coder][t][1]) for t in ts]]
        )
        for i in (0, 1):
            pooled_x[i] += list(x[i])
            pooled_g[i] += list(g[i])
        got = rows[("x", coder)]
        assert got.units == 12 and got.transcripts == 4
        assert got.alpha == pytest.approx(
            krippendorff.alpha(x, level_of_measurement="nominal"), abs=1e-9
        )
        got = rows[("g", coder)]
        assert got.units == 4 and got.level == "interval"
        assert got.alpha == pytest.approx(
            krippendorff.alpha(g, level_of_measurement="interval"), abs=1e-9
        )
        assert got.ci95 is not None and got.ci95[0] <= got.ci95[1]
    assert rows[("x", POOLED)].alpha == pytest.approx(
        krippendorff.alpha(np.array(pooled_x), level_of_measurement="nominal"), abs=1e-9
    )
    assert rows[("g", POOLED)].alpha == pytest.approx(
        krippendorff.alpha(np.array(pooled_g), level_of_measurement="interval"), abs=1e-9
    )
    assert rows[("g", POOLED)].units == 8


def _retest_figures(path: Path) -> list[tuple[str, str, float | None, object]]:
    with open_study(path) as study:
        stored = store_retest_plan(study, draw_retest_plan(study, retest_spec(100, 0, seed=1)))
        for (coder, transcript), label in stored.labels.items():
            _code(study, f"{coder} (retest)", label, SECOND[coder][transcript])
        report = retest_report(study, bootstrap=200, seed=5)
    return [(a.dimension, a.coder, a.alpha, a.ci95) for a in report.agreements]


def test_the_retest_interval_does_not_depend_on_the_order_of_import(
    coded: Path, small_study_reversed: Path
) -> None:
    # the bootstrap resamples transcripts, taken in the order of their labels: these were
    # transcript ids, which follow the order of import, so the same seed drew other
    # transcripts from the same study imported in another order (now: ranks of the names)
    expected = _retest_figures(coded)
    assert all(ci is not None for *_, ci in expected)
    assert _retest_figures(_coded(small_study_reversed)) == expected


def test_the_second_pass_from_the_command_line(coded, cli) -> None:
    before = json.loads(cli("reliability", coded, "--json").out)["dimensions"]
    assert cli("assign", coded, "--retest", "50").code == 2  # --after is needed too
    dry = cli(
        "assign", coded, "--retest", "50", "--after", "0", "--seed", "9", "--dry-run", "--json"
    )
    assert dry.code == 0, dry.err
    preview = json.loads(dry.out)
    assert preview["stored"] is None and len(preview["retest"]) == 4
    assert preview["design"]["seed"] == 9 and preview["design"]["after_days"] == 0
    result = cli("assign", coded, "--retest", "50", "--after", "0", "--seed", "9", "--json")
    stored = json.loads(result.out)
    assert stored["retest"] == [
        {**r, "label": stored["retest"][i]["label"]} for i, r in enumerate(preview["retest"])
    ]  # the same seed draws the same plan
    assert stored["stored"] == 4 and stored["plan_id"]
    mine = [r for r in stored["retest"] if r["coder"] == "A"]
    listed = json.loads(cli("transcripts", coded, "--coder", "A", "--json").out)
    names = {t["name"]: t for t in listed}
    for r in mine:
        item = names[r["label"]]  # the second pass: masked, under its own label
        assert item["masked"] and item["id"] is None and item["participant"] is None
        # the real name nowhere as a word (a random masked label such as 'Session AT4V' may
        # hold the letters of 'T4')
        assert not re.search(rf"\b{re.escape(r['transcript'])}\b", json.dumps(item))
        code = cli(
            "code", coded, "--coder", "A (retest)", "--transcript", r["label"],
            "--dimension", "g", "--value", "1",
        )  # fmt: skip
        assert code.code == 0, code.err
        assert cli("complete", coded, "--coder", "A (retest)", "--transcript", r["label"]).code == 0
    refused = cli("code", coded, "--coder", "A", "--transcript", mine[0]["label"],
                  "--dimension", "g", "--value", "1")  # fmt: skip
    assert refused.code != 0 and "second pass" in refused.err
    out = json.loads(cli("reliability", coded, "--retest", "--json", "--seed", "3").out)
    rows = {(r["dimension"], r["coder"]): r for r in out["test_retest"]}
    first = [
        float(FIRST["A"][r["transcript"]][1]) for r in sorted(mine, key=lambda r: r["transcript"])
    ]
    expected = krippendorff.alpha(
        np.array([first, [1.0] * len(first)]), level_of_measurement="interval"
    )
    assert rows[("g", "A")]["alpha"] == pytest.approx(expected, abs=1e-4)
    assert rows[("g", "A")]["n_units"] == 2 and out["seed"] == 3
    text = cli("reliability", coded, "--retest", "--seed", "3")
    assert text.code == 0 and "Test-retest" in text.out and "A" in text.out
    assert json.loads(cli("reliability", coded, "--json").out)["dimensions"] == before


def test_renaming_a_coder_renames_their_second_pass(coded, cli) -> None:
    with open_study(coded) as study:
        stored = store_retest_plan(study, draw_retest_plan(study, retest_spec(25, 0, seed=2)))
    refused = cli("coders", "rename", coded, "A (retest)", "Z")
    assert refused.code != 0 and "renamed with its coder" in refused.err
    with open_study(coded) as study:
        # the change names both passes, by their old and new names (the views that show any)
        assert rename_coder(study, "A", "Ann") == StudyChange.of(
            ChangeKind.CODERS, coders=["A", "A (retest)", "Ann", "Ann (retest)"]
        )
    with open_study(coded) as study:
        entries = {e.coder: e for e in list_retests(study)}
        assert entries["Ann"].retest_coder == "Ann (retest)"
        assert entries["Ann"].label == stored.labels[("A", entries["Ann"].transcript)]
        assert [c.name for c in list_coders(study)] == ["Ann", "B"]
