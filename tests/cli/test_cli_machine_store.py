"""Models stored in the study and machine coders (issue #17): `machine train` stores,
`machine list` shows, `machine code` writes a coder of kind 'machine' with probabilities, and
every place that lists coders keeps the machine apart from the humans.

The study is the fictional one of tests/machine_support.py (ana codes all twelve transcripts,
ben the first four).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from machine_support import CODEBOOK, TRANSCRIPTS, TURNS, build_machine_study

from socialcoder.cli import main
from socialcoder.machine import MachineModel

Dump = Callable[[str | Path], dict[str, list[tuple[object, ...]]]]
MACHINE = "machine talk v1"


def run(capsys: pytest.CaptureFixture[str], *argv: object, status: int = 0) -> tuple[str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert code == status, err
    return out, err


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    study = build_machine_study(tmp_path_factory.mktemp("machine_store"))
    assert main(["machine", "train", str(study), "--dimension", "talk"]) == 0
    return study


@pytest.fixture
def study(built: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "m.scstudy"
    copy.write_bytes(built.read_bytes())
    return copy


def _sql(study: Path, query: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(study) as conn:
        return conn.execute(query).fetchall()


def test_train_stores_a_versioned_model_that_list_shows(
    study: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "machine", "train", study, "--dimension", "talk", "--from", "ana")
    trained = json.loads(run(capsys, "machine", "list", study, "--json")[0])
    assert [(m["dimension"], m["version"], m["source"]) for m in trained] == [
        ("talk", 1, "consensus"),
        ("talk", 2, "ana"),
    ]
    second = trained[1]
    assert second["codebook_version"] == "1" and second["text"] == "original"
    assert len(second["data_hash"]) == 64 and second["retrain"] is None
    assert set(second["library_versions"]) >= {"scikit-learn", "numpy", "socialcoder"}
    assert second["settings"]["class_weight"] == "balanced"
    assert second["training"]["units"] == TRANSCRIPTS * TURNS // 2  # every turn ana coded
    # the stored payload is the model, read back without pickle, coding as trained
    ((payload, size),) = _sql(
        study, "SELECT payload, size_bytes FROM machine_models WHERE version = 2"
    )
    assert isinstance(payload, bytes) and len(payload) == size == second["size_bytes"]
    model = MachineModel.from_bytes(payload)
    assert model.training.data_hash == second["data_hash"] and model.training.source == "ana"
    table, _ = run(capsys, "machine", "list", study)
    assert "talk" in table and "usable" in table and "ana" in table


def test_machine_code_writes_a_machine_coder_with_probabilities(
    study: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, _ = run(capsys, "machine", "code", study, "--dimension", "talk", "--json")
    result = json.loads(out)
    assert result["coder"] == MACHINE and result["coder_kind"] == "machine"
    assert result["codes"] == TRANSCRIPTS * TURNS // 2  # every patient turn, no therapist turn
    assert len(result["transcripts"]) == TRANSCRIPTS
    rows = _sql(
        study,
        "SELECT c.value, m.probability, s.role FROM codes c JOIN coders k ON k.id = c.coder_id "
        "JOIN machine_codes m ON m.code_id = c.id JOIN segments s ON s.id = c.segment_id "
        f"WHERE k.name = '{MACHINE}' AND k.kind = 'machine'",
    )
    assert len(rows) == result["codes"]
    assert {r[2] for r in rows} == {"patient"}
    assert all(1 / 3 <= float(r[1]) <= 1 for r in rows)  # the chosen value is the likeliest
    assert sum(result["counts"].values()) == result["codes"]
    # the machine mostly agrees with ana, who coded every turn (the phrases give the value)
    agree = _sql(
        study,
        "SELECT count(*) FROM codes m JOIN codes a ON a.segment_id = m.segment_id "
        "AND a.dimension_id = m.dimension_id AND a.value = m.value "
        f"WHERE m.coder_id = (SELECT id FROM coders WHERE name = '{MACHINE}') "
        "AND a.coder_id = (SELECT id FROM coders WHERE name = 'ana')",
    )[0][0]
    assert int(agree) > 0.8 * result["codes"]
    # coding again replaces its codes (one per turn), and one audit entry per transcript says so
    run(capsys, "machine", "code", study, "--dimension", "talk", "--transcripts", "s00", "s01")
    assert _sql(
        study,
        f"SELECT count(*) FROM codes WHERE coder_id = (SELECT id FROM coders WHERE name = '{MACHINE}')",
    ) == [(result["codes"],)]
    assert _sql(study, "SELECT count(*) FROM machine_codes") == [(result["codes"],)]
    entries = _sql(
        study, "SELECT count(*), min(reason) FROM audit_log WHERE action = 'machine code'"
    )
    assert entries[0][0] == TRANSCRIPTS + 2 and "model talk v1" in str(entries[0][1])


def test_machine_coders_stay_apart_from_the_humans(
    study: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path, dump: Dump
) -> None:
    run(capsys, "machine", "code", study, "--dimension", "talk")
    # reliability: humans only by default; the machine when named
    default = json.loads(run(capsys, "reliability", study, "--dimension", "talk", "--json")[0])
    assert MACHINE not in json.dumps(default)
    named = json.loads(
        run(
            capsys,
            "reliability",
            study,
            "--dimension",
            "talk",
            "--coders",
            f"ana,{MACHINE}",
            "--json",
        )[0]
    )
    assert named["dimensions"][0]["coders"] == ["ana", MACHINE]
    # exports: humans only by default (no kind column); a named machine with coder_kind
    run(capsys, "export", study, tmp_path / "all.csv", "--layout", "long")
    everyone = pd.read_csv(tmp_path / "all.csv")
    assert MACHINE not in set(everyone["coder"]) and "coder_kind" not in everyone.columns
    run(
        capsys,
        "export",
        study,
        tmp_path / "m.csv",
        "--layout",
        "long",
        "--coders",
        f"ana,{MACHINE}",
    )
    both = pd.read_csv(tmp_path / "m.csv")
    kinds = both.groupby("coder")["coder_kind"].unique().to_dict()
    assert {c: list(k) for c, k in kinds.items()} == {"ana": ["human"], MACHINE: ["machine"]}
    run(
        capsys,
        "export",
        study,
        tmp_path / "s.csv",
        "--layout",
        "sessions",
        "--coders",
        f"ana,{MACHINE}",
    )
    assert set(pd.read_csv(tmp_path / "s.csv")["coder_kind"]) == {"human", "machine"}
    before = dump(study)
    refusals = [
        (("export", study, tmp_path / "p.qdpx", "--coders", MACHINE), "cannot go into a REFI-QDA"),
        (
            (
                "code",
                study,
                "--coder",
                MACHINE,
                "--transcript",
                "s00",
                "--segment",
                "2",
                "--dimension",
                "talk",
                "--value",
                "change",
            ),
            "is a machine coder",
        ),
        (("consensus", study, "--coders", f"ana,{MACHINE}"), "is a machine coder"),
        (("assign", study, "--coders", f"ana,{MACHINE}"), "is a machine coder"),
    ]
    for argv, message in refusals:
        _, err = run(capsys, *argv, status=2)
        assert message in err and err.count("\n") == 1, (argv, err)
    assert dump(study) == before
    coders = run(capsys, "coders", "list", study)[0]
    assert MACHINE not in coders
    # the lead's progress tables list people only
    listed = json.loads(run(capsys, "transcripts", study, "--json")[0])
    assert listed and not any(MACHINE in json.dumps(t) for t in listed)


def test_a_model_is_refused_once_the_codebook_changed_its_dimension(
    study: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path, dump: Dump
) -> None:
    changed = CODEBOOK.replace('version: "1"', 'version: "2"').replace(
        "values: [change, neutral, sustain]", "values: [change, neutral, sustain, mixed]"
    )
    (tmp_path / "cb2.yaml").write_text(changed, encoding="utf-8")
    run(capsys, "codebook", "update", study, tmp_path / "cb2.yaml")
    before = dump(study)
    _, err = run(capsys, "machine", "code", study, "--dimension", "talk", status=2)
    assert "model 'talk' v1: the codebook changed the values of 'talk'" in err
    assert "train a new model" in err and dump(study) == before
    out, _ = run(capsys, "machine", "train", study, "--dimension", "talk", "--json")
    assert json.loads(out)["version"] == 2
    run(capsys, "machine", "code", study, "--dimension", "talk")
    assert _sql(study, "SELECT name FROM coders WHERE kind = 'machine'") == [("machine talk v2",)]


def test_withdrawal_marks_the_models_that_learnt_from_the_participant(
    study: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dry = json.loads(run(capsys, "withdraw", study, "P0", "--dry-run", "--json")[0])
    assert dry["models_to_retrain"] == 1
    assert _sql(study, "SELECT retrain_reason FROM machine_models") == [(None,)]
    out, _ = run(capsys, "withdraw", study, "P0", "--json")
    assert json.loads(out)["models_to_retrain"] == 1
    ((reason, payload, size),) = _sql(
        study, "SELECT retrain_reason, payload, size_bytes FROM machine_models"
    )
    assert "withdrew" in str(reason) and payload == b"" and size == 0  # their words are gone
    listed = json.loads(run(capsys, "machine", "list", study, "--json")[0])
    assert listed[0]["retrain"] == reason
    _, err = run(capsys, "machine", "code", study, "--dimension", "talk", status=2)
    assert "must be retrained" in err
    # a new model learns from what is left, and is not marked
    run(capsys, "machine", "train", study, "--dimension", "talk")
    listed = json.loads(run(capsys, "machine", "list", study, "--json")[0])
    assert [m["retrain"] is None for m in listed] == [False, True]
    assert listed[1]["training"]["transcripts"] == TRANSCRIPTS - 2


def test_training_after_a_de_identified_copy_uses_the_copy(
    study: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    copy = tmp_path / "copy.scstudy"
    (tmp_path / "names.txt").write_text("", encoding="utf-8")
    run(capsys, "deidentify", study, copy, "--names", tmp_path / "names.txt")
    # the copy does not carry the original's model (its vocabulary is the original text)
    ((reason, payload),) = _sql(copy, "SELECT retrain_reason, payload FROM machine_models")
    assert payload == b"" and "de-identified copy" in str(reason)
    _, err = run(capsys, "machine", "train", study, "--dimension", "talk", status=2)
    assert "a de-identified copy of this study exists" in err and "--original-text" in err
    out, _ = run(
        capsys, "machine", "train", study, "--dimension", "talk", "--original-text", "--json"
    )
    assert json.loads(out)["text"] == "original"
    out, _ = run(capsys, "machine", "train", copy, "--dimension", "talk", "--json")
    assert json.loads(out)["text"] == "deidentified"


def _alpha_of(study: Path, a: str, b: str) -> float:
    """Krippendorff's alpha (the krippendorff package) of two coders' talk codes, from SQL."""
    import krippendorff
    import numpy as np

    rows = _sql(
        study,
        "SELECT x.value, y.value FROM codes x JOIN codes y ON y.segment_id = x.segment_id "
        "AND y.dimension_id = x.dimension_id JOIN dimensions d ON d.id = x.dimension_id "
        f"WHERE d.key = 'talk' AND x.coder_id = (SELECT id FROM coders WHERE name = '{a}') "
        f"AND y.coder_id = (SELECT id FROM coders WHERE name = '{b}')",
    )
    position = {"change": 0.0, "neutral": 1.0, "sustain": 2.0}
    data = np.array([[position[str(x)] for x, _ in rows], [position[str(y)] for _, y in rows]])
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


def _flagged_by_sql(study: Path, threshold: float, held: set[str]) -> set[tuple[str, int, str]]:
    rows = _sql(
        study,
        "SELECT t.name, s.idx, k.name FROM codes h JOIN coders k ON k.id = h.coder_id "
        "JOIN completions c ON c.coder_id = h.coder_id AND c.transcript_id = h.transcript_id "
        "JOIN codes m ON m.segment_id = h.segment_id AND m.dimension_id = h.dimension_id "
        "JOIN machine_codes p ON p.code_id = m.id JOIN segments s ON s.id = h.segment_id "
        "JOIN transcripts t ON t.id = h.transcript_id "
        f"WHERE k.kind = 'coder' AND m.coder_id = (SELECT id FROM coders WHERE name = '{MACHINE}') "
        f"AND m.value <> h.value AND p.probability >= {threshold}",
    )
    return {(str(t), int(s), str(c)) for t, s, c in rows if t not in held}


def _names(study: Path, ids: set[int]) -> set[str]:
    return {str(n) for i, n in _sql(study, "SELECT id, name FROM transcripts") if i in ids}


def test_review_shows_the_machine_as_a_coder_and_keeps_the_sample_clean(
    study: Path, capsys: pytest.CaptureFixture[str], dump: Dump
) -> None:
    run(capsys, "machine", "code", study, "--dimension", "talk")
    before = dump(study)
    out, _ = run(capsys, "machine", "review", study, "--threshold", "0.5", "--json")
    data = json.loads(out)
    rows = {a["against"]: a for a in data["agreement"]}
    assert set(rows) == {"ana", "ben", "dan", "consensus"}  # every human, and the consensus
    assert rows["ana"]["alpha"] == pytest.approx(_alpha_of(study, MACHINE, "ana"), abs=1e-9)
    assert rows["ben"]["alpha"] == pytest.approx(_alpha_of(study, MACHINE, "ben"), abs=1e-9)
    assert rows["ana"]["pairable_units"] == TRANSCRIPTS * TURNS // 2
    assert rows["consensus"]["pairable_units"] == 0  # nothing settled yet
    # s00..s03 are double-coded (ana and ben) and not adjudicated: never flagged
    found = {(i["transcript"], i["segment"], i["coder"]) for i in data["review"]}
    sample = {"s00", "s01", "s02", "s03"}  # and s05, where dan has codes: held back too
    assert found == _flagged_by_sql(study, 0.5, sample | {"s05"}) and found
    assert not {t for t, _, _ in found} & (sample | {"s05"})
    assert all(i["probability"] >= 0.5 and i["value"] != i["machine_value"] for i in data["review"])
    assert dump(study) == before  # the coder's value stands: nothing changed
    # the lead settles the double-coded transcripts: agreed values copied, the rest adjudicated
    from socialcoder.services.machine_review import held_back
    from socialcoder.services.study import open_study

    with open_study(study) as opened:
        assert {names for names in _names(study, held_back(opened, "talk"))} == sample | {"s05"}
    run(capsys, "consensus", study, "--coders", "ana,ben", "--dimension", "talk")
    disagreements = json.loads(
        run(capsys, "disagreements", study, "--coders", "ana,ben", "--json")[0]
    )
    assert disagreements
    for d in disagreements:
        run(
            capsys,
            "adjudicate",
            study,
            "--transcript",
            d["transcript"],
            "--segment",
            d["segment"],
            "--dimension",
            "talk",
            "--value",
            d["values"]["ana"],
            "--reason",
            "x",
        )
    with open_study(study) as opened:  # only dan's unfinished transcript is still held back
        assert _names(study, held_back(opened, "talk")) == {"s05"}
    out, _ = run(capsys, "machine", "review", study, "--threshold", "0.5", "--json")
    data = json.loads(out)
    found = {(i["transcript"], i["segment"], i["coder"]) for i in data["review"]}
    assert found == _flagged_by_sql(study, 0.5, {"s05"})
    assert {t for t, _, _ in found} & sample  # the settled transcripts are reviewed now
    settled = [i for i in data["review"] if i["transcript"] in sample]
    assert all(i["consensus"] == i["value"] or i["coder"] == "ben" for i in settled)
    consensus = {a["against"]: a for a in data["agreement"]}["consensus"]
    assert consensus["pairable_units"] == 4 * TURNS // 2
    text, _ = run(capsys, "machine", "review", study)
    assert MACHINE in text and "the coder's value stands" in text


def test_suggestions_are_opt_in_never_blind_never_on_double_coding_and_audited(
    study: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    lines = [
        f"{'T' if i % 2 else 'P'}: we talked about the week, I really want to stop"
        for i in range(1, 11)
    ]
    (tmp_path / "s12.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    run(capsys, "import", study, tmp_path / "s12.txt")
    run(capsys, "coders", "add", study, "eve")
    run(capsys, "machine", "code", study, "--dimension", "talk")
    suggest = ("machine", "suggest", study, "--coder", "eve", "--transcript", "s12", "--json")
    assert json.loads(run(capsys, *suggest)[0]) == []  # off by default
    _, err = run(capsys, "settings", study, "machine_suggestions", "on", status=2)
    assert "refused in a blind study" in err  # a new study is blind
    run(capsys, "settings", study, "blinding", "off")
    run(capsys, "settings", study, "machine_suggestions", "on")
    _, err = run(capsys, "settings", study, "blinding", "on", status=2)
    assert "refused in a blind study" in err
    shown = json.loads(run(capsys, *suggest)[0])
    machine = _sql(
        study,
        "SELECT s.idx, c.value FROM codes c JOIN segments s ON s.id = c.segment_id "
        "JOIN transcripts t ON t.id = c.transcript_id WHERE t.name = 's12' AND c.coder_id = "
        f"(SELECT id FROM coders WHERE name = '{MACHINE}') ORDER BY s.idx",
    )
    assert [(s["segment"], s["value"]) for s in shown] == [(int(i), str(v)) for i, v in machine]
    assert len(shown) == 5 and all(s["machine"] == MACHINE for s in shown)
    # on a transcript another coder coded, eve would be its second coder: nothing suggested
    other = ("machine", "suggest", study, "--coder", "eve", "--transcript", "s06", "--json")
    assert json.loads(run(capsys, *other)[0]) == []
    # accepting codes the turn and marks the audit entry
    first = shown[0]
    run(
        capsys,
        "machine",
        "suggest",
        study,
        "--coder",
        "eve",
        "--transcript",
        "s12",
        "--dimension",
        "talk",
        "--accept",
        first["segment"],
    )
    ((value, reason),) = _sql(
        study,
        "SELECT a.new_value, a.reason FROM audit_log a JOIN coders k ON k.id = a.coder_id "
        "WHERE k.name = 'eve' AND a.action = 'set'",
    )
    assert value == first["value"]
    assert str(reason).startswith(f"accepted machine suggestion ({MACHINE}, probability ")
    assert len(json.loads(run(capsys, *suggest)[0])) == 4  # that turn is coded now
    # a second coder assigned to s12 (reliability): held back until adjudicated
    run(capsys, "assign", study, "--coder", "ben", "--transcript", "s12", "--reliability")
    assert json.loads(run(capsys, *suggest)[0]) == []
    _, err = run(
        capsys,
        "machine",
        "suggest",
        study,
        "--coder",
        "eve",
        "--transcript",
        "s12",
        "--dimension",
        "talk",
        "--accept",
        shown[1]["segment"],
        status=2,
    )
    assert "no machine suggestion" in err


def test_merging_a_copy_never_brings_machine_codes_over_as_a_human_coder(
    study: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    copy = tmp_path / "copy.scstudy"
    copy.write_bytes(study.read_bytes())
    run(capsys, "machine", "code", copy, "--dimension", "talk")
    run(capsys, "merge", study, copy)
    assert _sql(study, f"SELECT kind FROM coders WHERE name = '{MACHINE}'") == []
    assert _sql(study, "SELECT count(*) FROM machine_codes") == [(0,)]


def test_a_stored_model_is_a_change_the_leads_window_learns_of(
    study: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue #12 (every writer returns its change): storing a model returns a MODELS change for
    its dimension, and a lead's window with the study open learns of one stored by another
    process (the command line) through its watch."""
    from socialcoder.services.changes import StudyWatch
    from socialcoder.services.machine import train_machine
    from socialcoder.services.study import open_study
    from socialcoder.services.study_change import ChangeKind, StudyChange

    with open_study(study) as window:
        watch = StudyWatch(window)
        try:
            assert watch.changes() == StudyChange()
            run(capsys, "machine", "train", study, "--dimension", "talk", "--from", "ana")
            # (and the command's 'opened' event)
            assert watch.changes().kinds == {ChangeKind.MODELS, ChangeKind.EVENTS}
            assert watch.changes() == StudyChange()
            stored = train_machine(window, "talk").stored
            assert stored.change == StudyChange.of(ChangeKind.MODELS, dimensions=["talk"])
            assert stored.version == 3
        finally:
            watch.close()
