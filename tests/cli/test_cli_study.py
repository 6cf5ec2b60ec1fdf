"""`socialcoder init`, `info`, `migrate`, `codebook show` and `codebook update` (SQLite and
PostgreSQL through ``study_target``)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from socialcoder.codebooks import DEFAULT_CODEBOOK_PATH, codebook_to_dict, load_default_codebook
from socialcoder.storage.migrate import head_revision


def test_init_creates_a_study_with_the_default_codebook(cli, study_target):
    result = cli("init", study_target, "--name", "Trial A")
    assert result.code == 0, result.err
    assert "Created study 'Trial A'" in result.out
    assert "Socialization to the treatment model" in result.out

    info = cli("info", study_target, "--json")
    assert info.code == 0, info.err
    data = json.loads(info.out)
    assert data["name"] == "Trial A"
    assert data["codebook"]["name"] == load_default_codebook().name
    assert data["schema_revision"] == head_revision()
    assert (data["transcripts"], data["segments"], data["coders"]) == (0, 0, [])


def test_init_with_an_explicit_codebook_and_default_name(cli, tmp_path):
    path = tmp_path / "mystudy.scstudy"
    result = cli("init", path, "--codebook", DEFAULT_CODEBOOK_PATH)
    assert result.code == 0, result.err
    assert path.exists()
    assert json.loads(cli("info", path, "--json").out)["name"] == "mystudy"


def test_init_never_overwrites(cli, target_study, dump):
    before = dump(target_study)
    result = cli("init", target_study)
    assert result.code == 2
    assert "never overwrites" in result.err
    assert result.err.count("\n") == 1 and "Traceback" not in result.err
    assert dump(target_study) == before


def test_init_refuses_a_missing_folder(cli, tmp_path):
    result = cli("init", tmp_path / "no" / "such" / "x.scstudy")
    assert result.code == 2
    assert "does not exist" in result.err
    assert not (tmp_path / "no").exists()


def test_info_text(cli, target_sample):
    result = cli("info", target_sample)
    assert result.code == 0, result.err
    assert "Transcripts: 3" in result.out
    assert "ana, ben, cleo" in result.out


def test_migrate_on_an_up_to_date_study_says_so(cli, target_study, dump):
    before = dump(target_study)
    result = cli("migrate", target_study)
    assert result.code == 0, result.err
    assert "up to date" in result.out
    assert head_revision() in result.out
    assert dump(target_study) == before


def test_codebook_show_text_and_json(cli, target_study):
    text = cli("codebook", "show", target_study)
    assert text.code == 0, text.err
    for key in ("concordance", "incongruent_principles", "resistance", "goal_agreement"):
        assert key in text.out
    data = json.loads(cli("codebook", "show", target_study, "--json").out)
    assert [d["key"] for d in data["dimensions"]] == list(load_default_codebook().keys)


def test_codebook_update_adds_a_dimension(cli, target_sample, tmp_path: Path):
    before = cli("codes", "export", target_sample, tmp_path / "before.csv")
    assert before.code == 0, before.err
    data = codebook_to_dict(load_default_codebook())
    data["version"] = "1.2"
    data["dimensions"].append(
        {"key": "homework", "label": "Homework mentioned", "scale": "binary", "shortcut": "w"}
    )
    new = tmp_path / "v12.yaml"
    new.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")

    result = cli("codebook", "update", target_sample, new)
    assert result.code == 0, result.err
    assert "1.1 to 1.2" in result.out
    assert "homework" in result.out
    shown = json.loads(cli("codebook", "show", target_sample, "--json").out)
    assert shown["version"] == "1.2"
    assert shown["dimensions"][-1]["key"] == "homework"
    cli("codes", "export", target_sample, tmp_path / "after.csv")
    assert (tmp_path / "after.csv").read_text() == (tmp_path / "before.csv").read_text()
    # the new dimension is usable at once, on a therapist turn too
    code = cli(
        "code",
        target_sample,
        "--coder",
        "ana",
        "--transcript",
        "P01_session02",
        "--segment",
        "1",
        "--dimension",
        "homework",
        "--value",
        "yes",
    )
    assert code.code == 0, code.err
