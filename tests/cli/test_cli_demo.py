"""`demo` only ever uses or rebuilds the sample study: a study of your own or any other file
at --path is refused and left exactly as it was (issue #10, item 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic import command

from socialcoder.services.demo import build_demo
from socialcoder.services.study import open_study
from socialcoder.storage import db, migrate


def _refused(result, needle: str) -> None:
    assert result.code == 2, (result.out, result.err)
    assert result.err.startswith("socialcoder: error: ") and result.err.count("\n") == 1
    assert needle in result.err, result.err
    assert "sample study at" not in result.out


@pytest.mark.parametrize("fresh", [True, False])
def test_demo_never_touches_a_study_of_your_own(cli, sample_study: Path, dump, fresh) -> None:
    data, before = sample_study.read_bytes(), dump(sample_study)
    args = ["demo", "--no-gui", "--path", sample_study] + (["--fresh"] if fresh else [])
    _refused(cli(*args), "is a study of your own, not the sample study")
    assert sample_study.read_bytes() == data and dump(sample_study) == before


@pytest.mark.parametrize("fresh", [True, False])
def test_demo_never_touches_another_file(cli, tmp_path: Path, fresh) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n", encoding="utf-8")
    args = ["demo", "--no-gui", "--path", notes] + (["--fresh"] if fresh else [])
    _refused(cli(*args), "is not the sample study")
    assert notes.read_text(encoding="utf-8") == "my notes\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_the_sample_study_is_marked_reused_and_rebuilt(cli, tmp_path: Path) -> None:
    path = tmp_path / "sample.scstudy"
    built = cli("demo", "--no-gui", "--path", path)
    assert built.code == 0 and built.out.startswith("Built the sample study at"), built.err
    info = json.loads(cli("info", path, "--json").out)
    assert info["demo"] is True and info["name"] == "Sample study (fictional)"
    assert "(the bundled sample study)" in cli("info", path).out
    # a coder's work in the sample is kept when it is reused ...
    coded = cli(
        "code", path, "--coder", "ana", "--transcript", "P01_session02", "--segment", "2",
        "--dimension", "concordance", "--value", "1", "--memo", "mine",
    )  # fmt: skip
    assert coded.code == 0, coded.err
    again = cli("demo", "--no-gui", "--path", path)
    assert again.code == 0 and again.out.startswith("Using the sample study at")
    assert "mine" in cli("codes", "export", path, "-").out
    # ... and gone after --fresh, which rebuilds it
    fresh = cli("demo", "--no-gui", "--fresh", "--path", path)
    assert fresh.code == 0 and fresh.out.startswith("Built the sample study at")
    assert "mine" not in cli("codes", "export", path, "-").out
    assert json.loads(cli("info", path, "--json").out)["demo"] is True


def test_studies_are_not_demos(target_sample: str) -> None:
    with open_study(target_sample) as study:
        assert study.info().demo is False


def _at_revision_0005(path: Path) -> None:
    engine = db.make_engine(path)
    try:
        with engine.begin() as connection:
            command.downgrade(migrate.alembic_config(connection), "0005")
    finally:
        engine.dispose()


def test_a_sample_made_before_the_mark_is_recognised(tmp_path: Path, sample_study: Path) -> None:
    """Revision 0006 marks a sample study made by an older SocialCoder (its name and the three
    sample transcripts), and nothing else."""
    old_demo = build_demo(tmp_path / "old-demo.scstudy", followup=False).path
    for path in (old_demo, sample_study):
        _at_revision_0005(path)
    with open_study(old_demo) as study:  # upgrades
        assert study.info().demo is True
    with open_study(sample_study) as study:
        assert study.info().demo is False
    assert build_demo(old_demo).created is False
