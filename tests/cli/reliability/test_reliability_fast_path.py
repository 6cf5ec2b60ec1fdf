"""`socialcoder reliability` on a study file is read without SQLAlchemy (issue #14: start-up):
a :class:`~socialcoder.services.study_file.StudyFile` over a plain sqlite3 connection, the
codebook read back without pydantic, and the same reader and report as an open ``Study``.
Its output must be byte for byte the output of the engine's path (``open_study``) on the same
study -- JSON, CSV and text, for every option it takes -- on a study with binary, nominal
(with ``empty_means``), ordinal, interval and ratio dimensions at segment and session level,
missing cells, completed transcripts with blanks, a machine coder, and codes changed at
different times; and a file the fast path cannot open (an older schema, a newer one, an
encrypted one) still gets the engine's message or upgrade."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import text

from socialcoder.cli import main
from socialcoder.services import reliability_report, study_file
from socialcoder.services.coders import add_coders
from socialcoder.services.coding import set_code_in, set_completed
from socialcoder.services.study import create_study
from socialcoder.services.transcript_import import ImportItem, import_transcripts

CODEBOOK = """\
name: Fast path test codebook
version: "3"
dimensions:
  - {key: flag, label: Flag, scale: binary, applies_to: [patient], shortcut: f}
  - key: topic
    label: Topic
    scale: nominal
    values: [activity, sleep, {value: symptoms, label: Symptoms and signs}, none]
    empty_means: none
    shortcut: t
  - key: level
    label: Level
    scale: ordinal
    values: [low, middle, high]
    applies_to: [therapist]
    shortcut: l
  - {key: rating, label: Rating, scale: interval, unit: session, shortcut: r}
  - {key: minutes, label: Minutes, scale: ratio, shortcut: x}
"""
CODERS = ("ana", "ben", "cleo")
MACHINE = "machine topic v1"
TRANSCRIPTS = ("one", "two", "three", "four")
TURNS = 10
VALUES = {
    "flag": ["0", "1"],
    "topic": ["activity", "sleep", "symptoms", "none"],
    "level": ["low", "middle", "high"],
    "minutes": ["0", "1.5", "3", "10"],
}
FROZEN = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fast")
    (folder / "cb.yaml").write_text(CODEBOOK, encoding="utf-8")
    items = []
    for name in TRANSCRIPTS:
        source = folder / f"{name}.txt"
        lines = [f"{'T' if i % 2 == 0 else 'P'}: {name} turn {i}, fictional" for i in range(TURNS)]
        source.write_text("\n".join(lines) + "\n", encoding="utf-8")
        items.append(ImportItem(path=source))
    path = folder / "study.scstudy"
    rng = np.random.default_rng(14)
    with create_study(path, codebook_path=folder / "cb.yaml") as s:
        import_transcripts(s, items)
        add_coders(s, CODERS)
        with s.write() as session:
            for coder in CODERS:
                for name in TRANSCRIPTS:
                    if coder == "cleo" and name == "four":
                        continue  # cleo never worked on transcript four
                    for segment in range(1, TURNS + 1):
                        patient = segment % 2 == 0
                        keys = ("flag", "topic", "minutes") if patient else ("topic", "level")
                        for key in keys:
                            if rng.random() < 0.65:  # some cells left empty
                                value = VALUES[key][rng.integers(len(VALUES[key]))]
                                set_code_in(
                                    session,
                                    s,
                                    coder=coder,
                                    transcript=name,
                                    segment=segment,
                                    dimension=key,
                                    value=value,
                                )
                    if rng.random() < 0.8:
                        set_code_in(
                            session,
                            s,
                            coder=coder,
                            transcript=name,
                            segment=None,
                            dimension="rating",
                            value=int(rng.integers(1, 8)),
                        )
            # a machine coder with ana's topic codes, some changed
            session.execute(
                text(
                    "INSERT INTO coders (name, kind, active, created_at) "
                    "VALUES (:n, 'machine', 1, '2026-01-01 00:00:00.000000')"
                ),
                {"n": MACHINE},
            )
            session.execute(
                text(
                    "INSERT INTO codes (coder_id, transcript_id, segment_id, dimension_id, "
                    "dim_enumerated, value, value_enum, memo, codebook_version_id, created_at, "
                    "updated_at, unit_role) SELECT (SELECT id FROM coders WHERE name = :m), "
                    "transcript_id, segment_id, c.dimension_id, dim_enumerated, value, "
                    "value_enum, NULL, codebook_version_id, created_at, updated_at, unit_role "
                    "FROM codes AS c JOIN dimensions AS d ON d.id = c.dimension_id "
                    "WHERE d.key = 'topic' AND c.coder_id = (SELECT id FROM coders WHERE name = 'ana')"
                ),
                {"m": MACHINE},
            )
        for coder, name in (("ana", "one"), ("ana", "two"), ("ben", "one"), ("cleo", "three")):
            set_completed(s, coder=coder, transcript=name)
    with sqlite3.connect(path) as conn:  # codes and completions changed at different times
        conn.execute("UPDATE codes SET updated_at = '2025-03-01 10:00:00.000000' WHERE id % 3 = 0")
        conn.execute(
            "UPDATE completions SET completed_at = '2025-02-01 09:00:00.000000' "
            "WHERE transcript_id = (SELECT id FROM transcripts WHERE name = 'one')"
        )
    conn.close()
    return path


@pytest.fixture
def study(template: Path, tmp_path: Path, study_encryption: str) -> str:
    if study_encryption == "encrypted":
        pytest.skip("an encrypted study is left to the engine: see the last test")
    path = tmp_path / "study.scstudy"
    path.write_bytes(template.read_bytes())
    return str(path)


class _Frozen(datetime):
    @classmethod
    def now(cls, tz=None):
        return FROZEN


def _run(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[str, bool]:
    """The command's standard output, and whether the study was read without the engine."""
    opened: list[bool] = []
    real = study_file.open_study_file

    def spy(target):
        found = real(target)
        opened.append(found is not None)
        return found

    monkeypatch.setattr(reliability_report, "datetime", _Frozen)
    monkeypatch.setattr(study_file, "open_study_file", spy)
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 0, err
    return out, opened == [True]


def _engine_run(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> str:
    monkeypatch.setattr(reliability_report, "datetime", _Frozen)
    monkeypatch.setattr(study_file, "open_study_file", lambda target: None)
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


OPTIONS = {
    "json": ["--json"],
    "text": [],
    "csv": ["--csv"],
    "by pair": ["--json", "--by", "pair"],
    "by transcript": ["--json", "--by", "transcript"],
    "by value": ["--csv", "--by", "value"],
    "machine coder named": ["--json", "--coders", f"ana,ben,{MACHINE}", "--dimension", "topic"],
    "two coders, two transcripts": ["--coders", "ana,cleo", "--transcripts", "one,three"],
    "since": ["--json", "--since", "2026-01-01"],
    "until": ["--json", "--until", "2026-01-01"],
    "window, text": ["--since", "2025-01-01", "--until", "2025-12-31"],
    "levels": ["--json", "--level", "level=interval,minutes=ordinal"],
    "bootstrap": ["--json", "--bootstrap", "50", "--seed", "7", "--bootstrap-by", "unit"],
}


@pytest.mark.parametrize("options", OPTIONS.values(), ids=OPTIONS.keys())
def test_the_fast_path_prints_what_the_engine_path_prints(
    study: str,
    options: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["reliability", study, *options]
    fast, plain = _run(argv, monkeypatch, capsys)
    assert plain  # read without SQLAlchemy
    assert fast.strip()
    assert fast == _engine_run(argv, monkeypatch, capsys)


def test_both_paths_record_the_same_opened_event(
    study: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def events() -> list[tuple[str, str | None, str, str]]:
        with sqlite3.connect(study) as conn:
            rows = conn.execute(
                "SELECT kind, actor, role, detail FROM study_events WHERE kind = 'opened' "
                "ORDER BY id"
            ).fetchall()
        conn.close()
        return rows

    before = events()
    _run(["reliability", study, "--json"], monkeypatch, capsys)
    _engine_run(["reliability", study, "--json"], monkeypatch, capsys)
    fast, engine = events()[len(before) :]
    assert fast == engine
    assert "socialcoder reliability" in fast[3]


def test_an_unknown_dimension_or_coder_gets_the_same_message(
    study: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for options in (["--dimension", "nope"], ["--coders", "ana,nobody"]):
        argv = ["reliability", study, *options]
        monkeypatch.setattr(study_file, "open_study_file", study_file.open_study_file)
        assert main(argv) != 0
        fast = capsys.readouterr().err
        monkeypatch.setattr(study_file, "open_study_file", lambda target: None)
        assert main(argv) != 0
        assert fast and fast == capsys.readouterr().err
        monkeypatch.undo()


@pytest.mark.parametrize("which", ["older", "newer"])
def test_a_study_at_another_schema_is_left_to_the_engine(
    study: str, which: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from socialcoder.storage import migrate

    revision = migrate.revision_chain()[-2] if which == "older" else "ffffffffffff"
    with sqlite3.connect(study) as conn:
        conn.execute("UPDATE alembic_version SET version_num = ?", (revision,))
    conn.close()
    assert study_file.open_study_file(study) is None
    if which == "newer":
        assert main(["reliability", study, "--json"]) != 0
        assert "newer version of SocialCoder" in capsys.readouterr().err
    else:
        upgraded: list[bool] = []
        monkeypatch.setattr(
            migrate, "upgrade", lambda engine, revision="head": upgraded.append(True)
        )
        main(["reliability", study, "--json"])
        capsys.readouterr()
        assert upgraded == [True]  # open_study's upgrade, not the fast path


def test_an_encrypted_study_is_left_to_the_engine(
    sample_study: Path, study_encryption: str, capsys: pytest.CaptureFixture[str]
) -> None:
    opened = study_file.open_study_file(sample_study)
    assert (opened is None) == (study_encryption == "encrypted")
    if opened is not None:
        opened.close()
    assert main(["reliability", str(sample_study), "--json"]) == 0
    assert '"dimensions"' in capsys.readouterr().out
