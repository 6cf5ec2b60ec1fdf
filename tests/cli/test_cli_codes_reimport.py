"""`codes import` of a revised file: the workflow a lab repeats (import, change, re-import).

Every test imports a file, then a changed (or identical) file into the same study, and checks
what is stored, what the summary says and what the audit log records.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import text

SAMPLES = Path(__file__).resolve().parents[2] / "sample_transcripts"
T1 = "P01_session02"
HEADER = "transcript,segment,coder,dimension,value,memo\n"


@pytest.fixture
def coded(cli, target_study) -> str:
    assert cli("import", target_study, SAMPLES / "P01_session02.txt").code == 0
    assert cli("coders", "add", target_study, "ana").code == 0
    return target_study


def _patient(cli, target) -> list[int]:
    out = cli("show", target, T1, "--json")
    return [s["index"] for s in json.loads(out.out)["segments"] if s["role"] == "patient"]


def _write(path: Path, body: str, header: str = HEADER) -> Path:
    path.write_text(header + body, encoding="utf-8")
    return path


def _codes(cli, target) -> dict[tuple[str, str, str], tuple[str, str]]:
    out = Path(str(target).replace("://", "_").replace("/", "_") + ".out.csv")
    result = cli("codes", "export", target, out)
    assert result.code == 0, result.err
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    out.unlink()
    return {(r["segment"], r["coder"], r["dimension"]): (r["value"], r["memo"]) for r in rows}


def _audit(target) -> list[tuple]:
    from socialcoder.storage import db

    engine = db.make_engine(target)
    try:
        with engine.connect() as conn:
            return [
                tuple(r)
                for r in conn.execute(
                    text(
                        "SELECT action, segment_idx, dimension_key, old_value, new_value "
                        "FROM audit_log WHERE action = 'import' ORDER BY id"
                    )
                )
            ]
    finally:
        engine.dispose()


def test_reimport_of_a_changed_value_stores_and_audits_it(cli, coded, tmp_path: Path):
    a, b = _patient(cli, coded)[:2]
    first = _write(
        tmp_path / "v1.csv",
        f"{T1},{a},ana,resistance,none,\n{T1},{b},ana,concordance,1,\n{T1},,ana,goal_agreement,4,\n",
    )
    assert cli("codes", "import", coded, first).code == 0
    second = _write(
        tmp_path / "v2.csv",
        f"{T1},{a},ana,resistance,mild,\n{T1},{b},ana,concordance,1,\n{T1},,ana,goal_agreement,6,\n",
    )
    result = cli("codes", "import", coded, second)
    assert result.code == 0, result.err
    assert "3 row(s): 0 new, 2 changed, 1 unchanged" in result.out
    codes = _codes(cli, coded)
    assert codes[(str(a), "ana", "resistance")] == ("mild", "")
    assert codes[("", "ana", "goal_agreement")] == ("6", "")
    assert codes[(str(b), "ana", "concordance")] == ("1", "")
    audit = _audit(coded)
    assert ("import", a, "resistance", "none", "mild") in audit
    assert ("import", None, "goal_agreement", "4", "6") in audit
    assert len(audit) == 3 + 2  # three new codes, then two changes; nothing for the unchanged


@pytest.mark.parametrize("memos", [False, True], ids=["no-memos", "with-memos"])
def test_reimport_of_an_identical_file_reports_every_row_unchanged(
    cli, coded, tmp_path: Path, memos: bool
):
    a, b = _patient(cli, coded)[:2]
    body = f"{T1},{a},ana,resistance,none,\n{T1},{b},ana,concordance,1,\n"
    if memos:
        body = f"{T1},{a},ana,resistance,none,a memo\n{T1},{b},ana,concordance,1,\n"
        body += f"{T1},{b},ana,,,segment note\n"
    path = _write(tmp_path / "codes.csv", body)
    assert cli("codes", "import", coded, path).code == 0
    before = _audit(coded)
    result = cli("codes", "import", coded, path)
    assert result.code == 0, result.err
    expected = (
        "3 row(s): 0 new, 0 changed, 2 unchanged, 1 memo(s)"
        if memos
        else ("2 row(s): 0 new, 0 changed, 2 unchanged, 0 memo(s)")
    )
    assert expected in result.out
    assert _audit(coded) == before


def test_reimport_of_a_changed_memo_stores_it(cli, coded, tmp_path: Path):
    a = _patient(cli, coded)[0]
    assert (
        cli(
            "codes",
            "import",
            coded,
            _write(tmp_path / "1.csv", f"{T1},{a},ana,concordance,1,first\n"),
        ).code
        == 0
    )
    result = cli(
        "codes", "import", coded, _write(tmp_path / "2.csv", f"{T1},{a},ana,concordance,1,second\n")
    )
    assert result.code == 0, result.err
    assert "0 new, 1 changed, 0 unchanged" in result.out
    assert _codes(cli, coded)[(str(a), "ana", "concordance")] == ("1", "second")


def test_reimport_with_an_emptied_memo_cell_removes_the_memo(cli, coded, tmp_path: Path):
    a = _patient(cli, coded)[0]
    cli("codes", "import", coded, _write(tmp_path / "1.csv", f"{T1},{a},ana,concordance,1,note\n"))
    result = cli(
        "codes", "import", coded, _write(tmp_path / "2.csv", f"{T1},{a},ana,concordance,1,\n")
    )
    assert result.code == 0, result.err
    assert "0 new, 1 changed" in result.out
    assert _codes(cli, coded)[(str(a), "ana", "concordance")] == ("1", "")


def test_reimport_without_a_memo_column_keeps_memos(cli, coded, tmp_path: Path):
    a = _patient(cli, coded)[0]
    cli("codes", "import", coded, _write(tmp_path / "1.csv", f"{T1},{a},ana,concordance,1,note\n"))
    no_memo = "transcript,segment,coder,dimension,value\n"
    result = cli(
        "codes",
        "import",
        coded,
        _write(tmp_path / "2.csv", f"{T1},{a},ana,concordance,0\n", no_memo),
    )
    assert result.code == 0, result.err
    assert _codes(cli, coded)[(str(a), "ana", "concordance")] == ("0", "note")


def test_an_empty_value_cannot_clear_a_code(cli, coded, tmp_path: Path, dump):
    """The CSV format has no 'clear': an empty value is refused (use `code --clear`)."""
    a = _patient(cli, coded)[0]
    cli("codes", "import", coded, _write(tmp_path / "1.csv", f"{T1},{a},ana,concordance,1,\n"))
    before = dump(coded)
    result = cli(
        "codes", "import", coded, _write(tmp_path / "2.csv", f"{T1},{a},ana,concordance,,\n")
    )
    assert result.code == 2
    assert "row 2" in result.err and "no value given" in result.err
    assert dump(coded) == before


def test_export_change_import_round_trip_of_the_sample(cli, target_sample, tmp_path: Path):
    exported = tmp_path / "all.csv"
    assert cli("codes", "export", target_sample, exported).code == 0
    rows = list(csv.DictReader(exported.open(encoding="utf-8")))
    target = next(i for i, r in enumerate(rows) if r["dimension"] == "concordance")
    rows[target]["value"] = "0" if rows[target]["value"] == "1" else "1"
    rows[target]["memo"] = "revised after discussion"
    changed = tmp_path / "changed.csv"
    with changed.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = cli("codes", "import", target_sample, changed)
    assert result.code == 0, result.err
    memos = sum(1 for r in rows if not r["dimension"])
    assert f"0 new, 1 changed, {len(rows) - memos - 1} unchanged" in result.out
    again = tmp_path / "again.csv"
    cli("codes", "export", target_sample, again)
    assert again.read_text(encoding="utf-8") == changed.read_text(encoding="utf-8")


def test_a_row_with_an_extra_field_is_too_many_fields(cli, coded, tmp_path: Path, dump):
    a, b = _patient(cli, coded)[:2]
    before = dump(coded)
    first = _write(tmp_path / "first.csv", f"{T1},{a},ana,concordance,1,memo,extra\n")
    result = cli("codes", "import", coded, first)
    assert result.code == 2
    assert "row 2: too many fields: 7, the header has 6" in result.err
    assert "unknown transcript" not in result.err
    later = _write(
        tmp_path / "later.csv", f"{T1},{a},ana,concordance,1,\n{T1},{b},ana,concordance,1,a, b\n"
    )
    result = cli("codes", "import", coded, later)
    assert result.code == 2
    assert "row 3: too many fields" in result.err
    assert dump(coded) == before


def test_add_coders_refuses_a_name_differing_only_in_case(cli, coded, tmp_path: Path, dump):
    a = _patient(cli, coded)[0]
    before = dump(coded)
    path = _write(tmp_path / "c.csv", f"{T1},{a},ANA,concordance,1,\n")
    result = cli("codes", "import", coded, path, "--add-coders")
    assert result.code == 2
    assert "row 2" in result.err and "'ANA' already exists as 'ana'" in result.err
    assert dump(coded) == before
    result = cli("codes", "import", coded, path)
    assert result.code == 2 and "did you mean 'ana'" in result.err
    both = _write(
        tmp_path / "d.csv", f"{T1},{a},Zoe,concordance,1,\n{T1},{a},ZOE,resistance,none,\n"
    )
    result = cli("codes", "import", coded, both, "--add-coders")
    assert result.code == 2 and "already exists as" in result.err
    assert dump(coded) == before


@pytest.mark.parametrize("name", ["all", "Consensus", "mean", "final"])
def test_add_coders_refuses_reserved_names(cli, coded, tmp_path: Path, name: str):
    a = _patient(cli, coded)[0]
    result = cli(
        "codes",
        "import",
        coded,
        _write(tmp_path / "c.csv", f"{T1},{a},{name},concordance,1,\n"),
        "--add-coders",
    )
    assert result.code == 2
    assert "reserved" in result.err or "consensus layer" in result.err


def _saved(path: Path, rows: list[list[str]], *, encoding: str, delimiter: str = ",") -> Path:
    """A codes file as a spreadsheet program saves it (csv module: quotes where needed)."""
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return path


@pytest.mark.parametrize(
    ("encoding", "delimiter", "expected"),
    [
        # Excel's "CSV" where the decimal separator is a comma: semicolons (with or without BOM);
        # before: "row 3: too many fields: 2, the header has 1 (a comma in a value needs double
        # quotes ...)", the row whose memo holds a comma
        ("utf-8-sig", ";", ": row 1: its columns are separated by semicolons, not commas"),
        ("utf-8", ";", ": row 1: its columns are separated by semicolons, not commas"),
        # Excel's "Unicode text": UTF-16 with tabs; before: "is a binary file, not CSV"
        ("utf-16", "\t", ": is UTF-16 text, not UTF-8"),
        ("utf-16", ",", ": is UTF-16 text, not UTF-8"),
        # before: "is not UTF-8 text", no line, nothing to do
        ("cp1252", ",", ": is not UTF-8 text (line 3: byte 0xe9"),
    ],
)
def test_a_codes_file_saved_the_wrong_way_says_how_to_save_it(
    cli, coded, tmp_path: Path, dump, encoding: str, delimiter: str, expected: str
):
    a, b = _patient(cli, coded)[:2]
    rows = [
        HEADER.strip().split(","),
        [T1, str(a), "ana", "concordance", "1", "plain memo"],
        [T1, str(b), "ana", "concordance", "0", "Café, as the patient said"],
    ]
    before = dump(coded)
    bad = _saved(tmp_path / "codes.csv", rows, encoding=encoding, delimiter=delimiter)
    result = cli("codes", "import", coded, bad)
    assert result.code == 2
    assert expected in result.err
    assert "save it as 'CSV UTF-8 (comma delimited)'" in result.err
    assert "too many fields" not in result.err and "binary" not in result.err
    assert dump(coded) == before
    # saved as asked, the same rows import
    good = _saved(tmp_path / "good.csv", rows, encoding="utf-8")
    result = cli("codes", "import", coded, good)
    assert result.code == 0, result.err
    assert "2 new" in result.out


def test_a_row_removed_from_a_revised_file_is_reported_as_kept(cli, coded, tmp_path: Path):
    """A new user removed a row from the revised file and re-imported: the code stayed (the
    format has no clear, as documented) and the summary said nothing about it. Now it counts
    the stored codes of the file's coders and transcripts that the file leaves out."""
    a, b, c = _patient(cli, coded)[:3]
    first = _write(
        tmp_path / "first.csv",
        f"{T1},{a},ana,resistance,none,\n{T1},{b},ana,concordance,1,\n{T1},{c},ana,concordance,1,\n",
    )
    assert cli("codes", "import", coded, first).code == 0
    assert "not in the file" not in cli("codes", "import", coded, first).out
    revised = _write(tmp_path / "revised.csv", f"{T1},{a},ana,resistance,mild,\n")
    result = cli("codes", "import", coded, revised)
    assert result.code == 0, result.err
    assert "1 row(s): 0 new, 1 changed, 0 unchanged" in result.out
    assert "2 stored code(s) of these coders and transcripts are not in the file" in result.out
    assert "--clear" in result.out
    stored = _codes(cli, coded)
    assert stored[(str(b), "ana", "concordance")] == ("1", "")
    assert stored[(str(c), "ana", "concordance")] == ("1", "")
    # another coder's codes, or the coder's codes of other transcripts, are not counted
    assert cli("coders", "add", coded, "ben").code == 0
    ben = _write(tmp_path / "ben.csv", f"{T1},{b},ben,concordance,0,\n")
    result = cli("codes", "import", coded, ben)
    assert result.code == 0, result.err
    assert "not in the file" not in result.out


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        # before: the note column was dropped without a word, the rest imported
        (
            "transcript,segment,coder,dimension,value,memo,comment\n",
            "row 1: unknown column 'comment'",
        ),
        ("transcript,segment,coder,dimension,value,notes\n", "row 1: unknown column 'notes'"),
        # before: an internal error (AttributeError), exit 1
        (
            "transcript,segment,coder,dimension,value,Memo,memo\n",
            "row 1: column 'memo' appears twice",
        ),
        ("transcript,segment,coder,dimension,value,value\n", "row 1: column 'value' appears twice"),
    ],
)
def test_a_header_with_an_unknown_or_repeated_column_is_refused(
    cli, coded, tmp_path: Path, dump, header: str, expected: str
):
    a = _patient(cli, coded)[0]
    before = dump(coded)
    extra = ",the analyst's note" if header.count(",") == 6 else ""
    path = _write(tmp_path / "codes.csv", f"{T1},{a},ana,concordance,1{extra},x\n", header)
    result = cli("codes", "import", coded, path)
    assert result.code == 2, result.err
    assert expected in result.err
    assert "transcript, segment, coder, dimension, value, memo" in result.err
    assert dump(coded) == before


def test_an_unnamed_column_is_read_only_when_it_is_empty(cli, coded, tmp_path: Path, dump):
    """A spreadsheet's trailing comma gives an empty, unnamed column: harmless, read as before.
    Text under a column without a name would be lost: refused, naming its row."""
    a, b = _patient(cli, coded)[:2]
    header = "transcript,segment,coder,dimension,value,memo,\n"
    before = dump(coded)
    lost = _write(
        tmp_path / "lost.csv",
        f"{T1},{a},ana,concordance,1,,\n{T1},{b},ana,concordance,1,,a note\n",
        header,
    )
    result = cli("codes", "import", coded, lost)
    assert result.code == 2
    assert "row 3: column 7 has no name but holds text" in result.err
    assert dump(coded) == before
    trailing = _write(tmp_path / "trailing.csv", f"{T1},{a},ana,concordance,1,m,\n", header)
    result = cli("codes", "import", coded, trailing)
    assert result.code == 0, result.err
    assert "1 new" in result.out


def test_an_exported_file_imported_again_changes_no_memo(cli, coded, tmp_path: Path):
    """A code memo is the coder's text, stored as typed (`code --memo`): one with leading or
    trailing spaces (an indented list) was stripped by codes import, so importing the study's
    own, unchanged codes export reported '1 changed' and rewrote it. Segment memos are
    stripped wherever they come in (`memo`, the window, codes import) and stay unchanged."""
    a, b = _patient(cli, coded)[:2]
    memo = "  - first point\n  - second point  "
    note = "  indented segment note\t"
    assert cli(
        "code", coded, "--coder", "ana", "--transcript", T1, "--segment", str(a),
        "--dimension", "concordance", "--value", "1", "--memo", memo,
    ).code == 0  # fmt: skip
    assert (
        cli(
            "memo", coded, "--coder", "ana", "--transcript", T1, "--segment", str(b), "--text", note
        ).code
        == 0
    )
    exported = tmp_path / "codes.csv"
    assert cli("codes", "export", coded, exported).code == 0
    before = _audit(coded)
    result = cli("codes", "import", coded, exported)
    assert result.code == 0, result.err
    assert "0 new, 0 changed, 1 unchanged" in result.out
    assert _audit(coded) == before
    assert _codes(cli, coded)[(str(a), "ana", "concordance")] == ("1", memo)
    shown = json.loads(cli("show", coded, T1, "--coder", "ana", "--json").out)
    assert shown["segments"][b - 1]["memo"] == note.strip()
    # a memo cell of spaces only is an empty cell: it removes the code's memo
    blank = _write(tmp_path / "blank.csv", f"{T1},{a},ana,concordance,1,   \n")
    assert cli("codes", "import", coded, blank).code == 0
    assert _codes(cli, coded)[(str(a), "ana", "concordance")] == ("1", "")
