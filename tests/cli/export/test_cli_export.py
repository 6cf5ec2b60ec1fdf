"""`socialcoder export`, `measures import` and `import-refi` from the command line."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
from refi_support import assert_valid, pack, qualcoder_problems

from socialcoder.cli import main
from socialcoder.codebooks import DEFAULT_CODEBOOK_PATH
from socialcoder.services.demo import build_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli-demo") / "demo.scstudy"
    build_demo(path, followup=False)  # the three hand-written sessions the figures rest on
    return path


def run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_export_long_csv(demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "long.csv"
    code, stdout, _ = run(capsys, "export", demo, out)
    assert code == 0 and "(long, csv)" in stdout and "ana, ben, cleo" in stdout
    frame = pd.read_csv(out)
    assert set(frame["coder"]) == {"ana", "ben", "cleo"} and "text" not in frame.columns


def test_export_wide_parquet_with_text_and_coders(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "wide.data"
    code, stdout, _ = run(
        capsys,
        "export",
        demo,
        out,
        "--layout",
        "wide",
        "--format",
        "parquet",
        "--coders",
        "ana,ben",
        "--with-text",
    )
    assert code == 0, stdout
    frame = pd.read_parquet(out)
    assert "concordance__ana" in frame.columns and "concordance__cleo" not in frame.columns
    assert frame["text"].str.len().gt(0).all() and len(frame) == 197


def test_export_sessions_stata(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sessions.dta"
    assert run(capsys, "export", demo, out, "--layout", "sessions")[0] == 0
    frame, meta = pyreadstat.read_dta(str(out))
    assert len(frame) == 9 and meta.column_names_to_labels["concordance_rate"].endswith(
        "per 100 applicable turns"
    )


def test_export_refuses_bad_input(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "export", demo, tmp_path / "out.txt")
    assert code == 2 and "extension" in err and not (tmp_path / "out.txt").exists()
    code, _, err = run(capsys, "export", demo, tmp_path / "out.csv", "--coders", "zoe")
    assert code == 2 and "unknown coder" in err and "zoe" in err
    assert not (tmp_path / "out.csv").exists()


def test_measures_import(demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("participant,session,calpas_total\nP01,2,4\nP09,1,3\n", encoding="utf-8")
    code, _, err = run(capsys, "measures", "import", demo, bad)
    assert code == 2 and "row 3" in err and "P09" in err
    good = tmp_path / "good.csv"
    good.write_text(
        "participant,session,calpas_total,wai_sr_total\nP01,2,4.2,\nP02,4,3.8,40\n",
        encoding="utf-8",
    )
    code, stdout, _ = run(capsys, "measures", "import", demo, good)
    assert code == 0 and "2 session(s)" in stdout and "1 missing" in stdout
    out = tmp_path / "sessions.csv"
    assert run(capsys, "export", demo, out, "--layout", "sessions")[0] == 0
    frame = pd.read_csv(out)
    assert sorted(frame.loc[frame["participant"] == "P01", "calpas_total"]) == [4.2] * 3


def test_qdpx_round_trip(demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    qdpx = tmp_path / "demo.qdpx"
    code, stdout, _ = run(capsys, "export", demo, qdpx)
    assert code == 0 and "3 source(s)" in stdout and "254 selection(s), 254 coding(s)" in stdout
    assert zipfile.ZipFile(qdpx).testzip() is None
    assert_valid(qdpx)
    assert qualcoder_problems(qdpx) == []
    code, stdout, err = run(capsys, "import-refi", qdpx, tmp_path / "back.scstudy")
    assert code == 0, err
    assert "3 transcript(s), 197 segment(s)" in stdout and "not imported" not in stdout
    assert "codebook: the study's own codebook" in stdout
    assert (
        "completion: 9 (coder, transcript) pair(s) complete, as in the SocialCoder study" in stdout
    )
    code, _, err = run(capsys, "import-refi", qdpx, tmp_path / "back.scstudy")
    assert code == 2 and "already exists" in err


def test_import_refi_refuses_unsafe_archive(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    evil = tmp_path / "evil.qdpx"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("project.qde", '<Project xmlns="urn:QDA-XML:project:1.0" name="x"/>')
        zf.writestr("../../escape.txt", "x")
    code, stdout, err = run(capsys, "import-refi", evil, tmp_path / "new.scstudy")
    assert code == 2 and "outside the project" in err and stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evil.qdpx"]


def test_import_refi_lists_unmapped_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = "{11111111-2222-3333-4444-555555555555}"
    text = "T: Hello there.\nP: I walk every day now.\n"
    start = text.index("I walk")
    qde = f"""<Project xmlns="urn:QDA-XML:project:1.0" name="x"><Users><User guid="{{AAAAAAAA-0000-0000-0000-000000000001}}" name="kim"/></Users>
<CodeBook><Codes><Code guid="{{CCCCCCCC-0000-0000-0000-000000000001}}" name="Exercise" isCodable="true"/></Codes></CodeBook>
<Sources><TextSource guid="{src}" name="s1"><PlainTextContent>{text}</PlainTextContent>
<PlainTextSelection guid="{{DDDDDDDD-0000-0000-0000-000000000001}}" startPosition="{start}" endPosition="{len(text) - 1}">
<Coding guid="{{BBBBBBBB-0000-0000-0000-000000000001}}" creatingUser="{{AAAAAAAA-0000-0000-0000-000000000001}}"><CodeRef targetGUID="{{CCCCCCCC-0000-0000-0000-000000000001}}"/></Coding>
</PlainTextSelection></TextSource></Sources></Project>"""
    path = tmp_path / "x.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", qde)
    code, stdout, err = run(
        capsys, "import-refi", path, tmp_path / "x.scstudy", "--codebook", DEFAULT_CODEBOOK_PATH
    )
    assert code == 0, err
    assert "coders none" in stdout and "1 coding(s) of code 'Exercise'" in stdout
    assert "not made coders (nothing of theirs to import): 'kim'" in stdout
    # without --codebook the project's own codes become the codebook: nothing is dropped
    code, stdout, err = run(capsys, "import-refi", path, tmp_path / "own.scstudy")
    assert code == 0, err
    assert (
        "built from the project's codes: 1 dimension(s)" in stdout and "not imported" not in stdout
    )
    assert "1 code(s)" in stdout


def test_import_refi_one_speaker_and_completion_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    qdpx = pack("nvivo_style", tmp_path)
    code, stdout, err = run(capsys, "import-refi", qdpx, tmp_path / "a.scstudy")
    assert code == 2 and stdout == "" and "--one-speaker patient" in err
    assert not (tmp_path / "a.scstudy").exists()
    code, stdout, err = run(
        capsys, "import-refi", qdpx, tmp_path / "a.scstudy", "--one-speaker", "patient"
    )
    assert code == 0, err
    assert (
        "completion: none marked complete (the default for projects from other programs" in stdout
    )
    code, stdout, err = run(
        capsys,
        "import-refi",
        qdpx,
        tmp_path / "b.scstudy",
        "--one-speaker",
        "patient",
        "--complete",
    )
    assert code == 0, err
    assert (
        "completion: 3 (coder, transcript) pair(s) with codes marked complete (as asked)" in stdout
    )
    args = ("import-refi", qdpx, tmp_path / "c", "--complete", "--no-complete")
    assert main([str(a) for a in args]) == 2  # a usage error: one line, exit 2
    assert "not allowed with" in capsys.readouterr().err
