"""One rule for coder and transcript names on every path that creates one, and selections that
still reach names made before the rule (a coder called 'all', a transcript called 'a,b')."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import text

SAMPLES = Path(__file__).resolve().parents[2] / "sample_transcripts"
T1 = "P01_session02"


def _sql(target: str | Path, *statements: str) -> None:
    """Change a study behind SocialCoder's back, as an older version could have left it."""
    from socialcoder.storage import db

    engine = db.make_engine(target)
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        engine.dispose()


@pytest.mark.parametrize("name", ["all", "ALL", "mean", "final", "consensus", "a,b", "x=y"])
def test_coders_add_refuses_reserved_words_and_separators(cli, target_study, dump, name):
    before = dump(target_study)
    result = cli("coders", "add", target_study, "zoe", name)
    assert result.code == 2
    assert result.err.count("\n") == 1
    assert "reserved" in result.err or "separate names" in result.err
    assert dump(target_study) == before


def test_coders_rename_follows_the_same_rule(cli, target_study):
    assert cli("coders", "add", target_study, "ana", "ben").code == 0
    result = cli("coders", "rename", target_study, "ben", "ANA")
    assert result.code == 2 and "'ANA' already exists as 'ana'" in result.err
    assert cli("coders", "rename", target_study, "ben", "all").code == 2
    assert cli("coders", "rename", target_study, "ana", "Ana").code == 0  # its own name
    listed = json.loads(cli("coders", "list", target_study, "--json").out)
    assert [c["name"] for c in listed] == ["Ana", "ben"]


def test_import_refuses_reserved_and_comma_transcript_names(cli, target_study, tmp_path, dump):
    before = dump(target_study)
    result = cli("import", target_study, SAMPLES / "P01_session02.txt", "--name", "all")
    assert result.code == 2 and "reserved" in result.err
    comma = tmp_path / "P01, s2.txt"
    comma.write_bytes((SAMPLES / "P01_session02.txt").read_bytes())
    result = cli("import", target_study, comma)
    assert result.code == 2
    assert "separate names" in result.err and "--name" in result.err
    assert dump(target_study) == before
    assert cli("import", target_study, comma, "--name", "P01_s2").code == 0
    other = SAMPLES / "P03_session06.txt"
    result = cli("import", target_study, other, "--name", "p01_S2")
    assert result.code == 2 and "already has a transcript named 'P01_s2'" in result.err


@pytest.fixture
def legacy(cli, sample_study: Path) -> Path:
    """The sample study after an older version let a coder be called 'all' and a transcript
    'a,b' (cleo and P01_session02 renamed in the database)."""
    _sql(
        sample_study,
        "UPDATE coders SET name = 'all' WHERE name = 'cleo'",
        f"UPDATE transcripts SET name = 'a,b' WHERE name = '{T1}'",
    )
    return sample_study


def test_a_coder_named_all_is_selected_by_quoting(cli, legacy: Path, tmp_path: Path):
    only = tmp_path / "only.csv"
    result = cli("export", legacy, only, "--coders", '"all"')
    assert result.code == 0, result.err
    assert "coders: all" in result.out
    everyone = tmp_path / "everyone.csv"
    result = cli("export", legacy, everyone, "--coders", "all")
    assert result.code == 0, result.err
    assert "coders: all, ana, ben" in result.out
    with only.open(encoding="utf-8") as fh:
        assert {r["coder"] for r in csv.DictReader(fh)} == {"all"}


def test_a_transcript_named_with_a_comma_is_selected_by_quoting(cli, legacy: Path):
    result = cli("reliability", legacy, "--coders", '"all",ana', "--transcripts", '"a,b"', "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["selection"]["coders"] == ["all", "ana"]
    assert data["selection"]["transcripts"] == ["a,b"]
    result = cli("reliability", legacy, "--transcripts", '"a,b', "--json")
    assert result.code == 2 and "unclosed double quote" in result.err
    # names given alone (not in a list) are exact, whatever they hold
    seg = next(
        s["index"]
        for s in json.loads(cli("show", legacy, "a,b", "--json").out)["segments"]
        if s["role"] == "patient"
    )
    result = cli(
        "code", legacy, "--coder", "all", "--transcript", "a,b", "--segment", seg,
        "--dimension", "concordance", "--value", "1",
    )  # fmt: skip
    assert result.code == 0, result.err


def test_merge_refuses_a_coder_differing_only_in_case(tmp_path: Path, cli, study_path, dump):
    from socialcoder.errors import StudyError
    from socialcoder.services.coders import add_coders
    from socialcoder.services.coding import set_code
    from socialcoder.services.merge import merge_studies
    from socialcoder.services.study import open_study

    assert cli("import", study_path, SAMPLES / "P01_session02.txt").code == 0
    copy = tmp_path / "laptop.scstudy"
    copy.write_bytes(study_path.read_bytes())
    with open_study(copy) as study:
        add_coders(study, ["Dora"])
        set_code(
            study, coder="Dora", transcript=T1, segment=None, dimension="goal_agreement", value=5
        )
    with open_study(study_path) as study:
        add_coders(study, ["dora"])
    before = dump(study_path)
    with (
        open_study(study_path) as study,
        pytest.raises(StudyError, match="'Dora' already exists as 'dora'"),
    ):
        merge_studies(study, [copy])
    assert dump(study_path) == before


def _qdpx(tmp_path: Path) -> Path:
    body = "Interviewer: Hello.\nClient: I will not do that.\n"
    start = body.index("I will")
    users = "".join(
        f'<User guid="{{AAAAAAAA-0000-0000-0000-00000000000{i}}}" name="{n}"/>'
        for i, n in enumerate(["All", "mean"], 1)
    )
    codings = "".join(
        f'<Coding guid="{{BBBBBBBB-0000-0000-0000-00000000000{i}}}" '
        f'creatingUser="{{AAAAAAAA-0000-0000-0000-00000000000{i}}}">'
        '<CodeRef targetGUID="{CCCCCCCC-0000-0000-0000-000000000002}"/></Coding>'
        for i in (1, 2)
    )
    src = "DDDDDDDD-0000-0000-0000-000000000001"
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Foreign">
 <Users>{users}</Users>
 <CodeBook><Codes>
  <Code guid="{{CCCCCCCC-0000-0000-0000-000000000001}}" name="Resistance" isCodable="false">
   <Code guid="{{CCCCCCCC-0000-0000-0000-000000000002}}" name="Strong" isCodable="true"/></Code>
 </Codes></CodeBook>
 <Sources><TextSource guid="{{{src}}}" name="all" plainTextPath="internal://{src}.txt">
  <PlainTextSelection guid="{{EEEEEEEE-0000-0000-0000-000000000001}}" startPosition="{start}"
   endPosition="{len(body) - 1}">{codings}</PlainTextSelection>
 </TextSource></Sources>
</Project>"""
    path = tmp_path / "foreign.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", qde.encode("utf-8"))
        zf.writestr(f"sources/{src}.txt", body.encode("utf-8"))
    return path


def test_refi_import_makes_reserved_user_and_source_names_usable(tmp_path: Path, cli):
    target = tmp_path / "foreign.scstudy"
    result = cli(
        "import-refi",
        _qdpx(tmp_path),
        target,
        "--speaker-map",
        "Interviewer=therapist,Client=patient",
    )
    assert result.code == 0, result.err
    coders = [c["name"] for c in json.loads(cli("coders", "list", target, "--json").out)]
    assert coders == ["All_", "mean_"]
    names = [t["name"] for t in json.loads(cli("transcripts", target, "--json").out)]
    assert names == ["all_"]
