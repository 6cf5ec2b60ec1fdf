"""REFI-QDA export (schema-valid, stable) and import (round trip, mapping, tolerance, refusals)."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from refi_support import assert_valid, schema

from socialcoder.codebooks import DEFAULT_CODEBOOK_PATH
from socialcoder.errors import UserError
from socialcoder.export import refi_read
from socialcoder.services.codes_csv import export_codes_csv
from socialcoder.services.exporting import export_refi
from socialcoder.services.refi_import import import_refi
from socialcoder.services.study import Study, open_study

NS = {"q": "urn:QDA-XML:project:1.0"}


def _codes(study_path: Path, tmp_path: Path, drop_zero: bool = True) -> set[tuple[str, ...]]:
    out = tmp_path / f"{study_path.stem}-codes.csv"
    with open_study(study_path) as study:
        export_codes_csv(study, out, force=True)
    with out.open(encoding="utf-8") as fh:
        rows = {tuple(r.values()) for r in csv.DictReader(fh)}
    binary = {"concordance", "incongruent_principles"}
    return {r for r in rows if not (drop_zero and r[3] in binary and r[4] == "0")}


def test_export_validates_against_the_schema(demo: Study, tmp_path: Path) -> None:
    out = tmp_path / "demo.qdpx"
    summary = export_refi(demo, out)
    assert (summary.sources, summary.users) == (3, 3)
    with zipfile.ZipFile(out) as zf:
        root = etree.fromstring(zf.read("project.qde"))
        names = zf.namelist()
    assert schema().validate(root), schema().error_log
    assert {n for n in names if not n.startswith("sources/")} == {
        "project.qde",
        "socialcoder/codebook.yaml",
        "socialcoder/study.json",
    }
    resistance = root.find(".//q:Code[@name='resistance']", NS)
    assert resistance.get("isCodable") == "false"
    assert [c.get("name") for c in resistance.findall("q:Code", NS)] == [
        "resistance: none",
        "resistance: mild",
        "resistance: strong",
    ]
    assert root.find(".//q:Code[@name='concordance']", NS).get("isCodable") == "true"


def test_selections_cover_the_turn_text(small: Study, tmp_path: Path) -> None:
    out = tmp_path / "small.qdpx"
    export_refi(small, out)
    assert_valid(out)
    with zipfile.ZipFile(out) as zf:
        root = etree.fromstring(zf.read("project.qde"))
        source = root.find(".//q:TextSource", NS)
        text = zf.read(f"sources/{source.get('guid')}.txt").decode("utf-8")
    users = {u.get("guid"): u.get("name") for u in root.find("q:Users", NS)}
    spans = {
        s.get("name"): (int(s.get("startPosition")), int(s.get("endPosition")))
        for s in source.findall("q:PlainTextSelection", NS)
    }
    start, end = spans["P01_s3 segment 4: ana, resistance"]
    assert text[start:end] == "But I rested all Sunday, I had to."
    assert spans["P01_s3 session: ana, goal_agreement"] == (0, len(text))
    seg4 = [
        s
        for s in source.findall("q:PlainTextSelection", NS)
        if s.get("name").startswith("P01_s3 segment 4:")
    ]
    # one selection per coder and code (or memo), the coder on the selection and its coding
    assert sorted(
        (users[s.get("creatingUser")], s.get("name").split(": ", 1)[1]) for s in seg4
    ) == [
        ("ana", "ana, resistance"),
        ("ana", "ana, segment memo"),
        ("ben", "ben, concordance"),
    ]
    for sel in seg4:
        for coding in sel.findall("q:Coding", NS):
            assert coding.get("creatingUser") == sel.get("creatingUser")
    memo_sel = next(s for s in seg4 if s.get("name").endswith("segment memo"))
    assert memo_sel.findtext("q:Description", namespaces=NS) == "rests on Sunday"
    assert memo_sel.find("q:Coding", NS) is None  # an annotation, not a coding
    variables = {v.get("name") for v in root.find("q:Variables", NS)}
    assert variables == {"participant", "therapist", "session", "date"}
    assert root.find("q:Cases/q:Case", NS).get("name") == "P01"


def test_reexport_is_identical(small: Study, tmp_path: Path) -> None:
    export_refi(small, tmp_path / "a.qdpx")
    export_refi(small, tmp_path / "b.qdpx")
    assert (tmp_path / "a.qdpx").read_bytes() == (tmp_path / "b.qdpx").read_bytes()
    assert_valid(tmp_path / "a.qdpx")


def test_round_trip_gives_the_same_codes(demo_path: Path, tmp_path: Path) -> None:
    with open_study(demo_path) as study:
        export_refi(study, tmp_path / "demo.qdpx")
    summary = import_refi(tmp_path / "demo.qdpx", tmp_path / "back.scstudy")
    assert (summary.transcripts, summary.segments, summary.coders) == (
        3,
        197,
        ("ana", "ben", "cleo"),
    )
    assert (
        summary.unmapped_codes == () and summary.conflicts == () and summary.skipped_codings == ()
    )
    assert _codes(tmp_path / "back.scstudy", tmp_path, drop_zero=False) == _codes(
        demo_path, tmp_path, drop_zero=False
    )


def test_round_trip_keeps_memos_and_metadata(small_path: Path, tmp_path: Path) -> None:
    with open_study(small_path) as study:
        export_refi(study, tmp_path / "small.qdpx")
    import_refi(tmp_path / "small.qdpx", tmp_path / "back.scstudy")
    assert _codes(tmp_path / "back.scstudy", tmp_path, drop_zero=False) == _codes(
        small_path, tmp_path, drop_zero=False
    )
    with open_study(tmp_path / "back.scstudy") as study, study.read() as session:
        row = session.execute(
            __import__("sqlalchemy").text(
                "select participant, therapist, session_number, segment_count from transcripts"
            )
        ).one()
    assert tuple(row) == ("P01", "T9", 3, 4)


GUID = "{6F9619FF-8B86-D011-B42D-00CF4FC964FF}"
SRC = "{11111111-2222-3333-4444-555555555555}"
U1, U2 = "{AAAAAAAA-0000-0000-0000-000000000001}", "{AAAAAAAA-0000-0000-0000-000000000002}"
C_RES, C_STRONG, C_WEATHER = (f"{{CCCCCCCC-0000-0000-0000-00000000000{i}}}" for i in (1, 2, 3))
FOREIGN_TEXT = "\ufeffInterviewer: Hello there.\r\nClient: I will not do that, no way.\r\nInterviewer: Fine.\r\nClient: Lovely weather.\r\n"


def _foreign_project(
    tmp_path: Path, *, qde: str | None = None, extra: dict[str, bytes] | None = None
) -> Path:
    text = FOREIGN_TEXT.lstrip("\ufeff")
    start = text.index("I will not")
    end = start + len("I will not do that, no way.")
    w_start = text.index("Lovely")
    qde = (
        qde
        or f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Foreign">
 <Users><User guid="{U1}" name="Ann Other"/><User guid="{U2}" name="bo"/></Users>
 <CodeBook><Codes>
  <Code guid="{C_RES}" name="Resistance" isCodable="false"><Code guid="{C_STRONG}" name="Strong" isCodable="true"/></Code>
  <Code guid="{C_WEATHER}" name="Weather talk" isCodable="true"/>
 </Codes></CodeBook>
 <Sources><TextSource guid="{SRC}" name="Interview 1" plainTextPath="internal://{SRC[1:-1]}.txt">
  <PlainTextSelection guid="{GUID}" startPosition="{start}" endPosition="{end}">
   <Coding guid="{{BBBBBBBB-0000-0000-0000-000000000001}}" creatingUser="{U1}"><CodeRef targetGUID="{C_STRONG}"/></Coding>
   <Coding guid="{{BBBBBBBB-0000-0000-0000-000000000002}}" creatingUser="{U2}"><CodeRef targetGUID="{C_STRONG}"/></Coding>
  </PlainTextSelection>
  <PlainTextSelection guid="{{DDDDDDDD-0000-0000-0000-000000000001}}" startPosition="{w_start}" endPosition="{w_start + 6}" creatingUser="{U2}">
   <Coding guid="{{BBBBBBBB-0000-0000-0000-000000000003}}"><CodeRef targetGUID="{C_WEATHER}"/></Coding>
  </PlainTextSelection>
 </TextSource>
 <PDFSource guid="{{EEEEEEEE-0000-0000-0000-000000000001}}" name="consent.pdf"/></Sources>
</Project>"""
    )
    path = tmp_path / "foreign.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", qde.encode("utf-8"))
        zf.writestr(
            f"Sources/{SRC[1:-1].upper()}.txt", FOREIGN_TEXT.replace("\r\n", "\r\n").encode("utf-8")
        )
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return path


def test_foreign_project_with_braces_capital_sources_and_shared_selection(tmp_path: Path) -> None:
    path = _foreign_project(tmp_path)
    target = tmp_path / "foreign.scstudy"
    summary = import_refi(
        path,
        target,
        codebook=DEFAULT_CODEBOOK_PATH,
        speaker_map={"Interviewer": "therapist", "Client": "patient"},
    )
    assert summary.coders == ("Ann Other", "bo")
    assert summary.unmapped_codes == (("Weather talk", 1),)
    assert summary.skipped_sources == (("consent.pdf", "PDFSource sources are not imported"),)
    codes = _codes(target, tmp_path)
    assert codes == {
        ("Interview 1", "2", "Ann Other", "resistance", "strong", ""),
        ("Interview 1", "2", "bo", "resistance", "strong", ""),
    }


def test_mapping_file_maps_renamed_codes(tmp_path: Path) -> None:
    path = _foreign_project(tmp_path)
    mapping = tmp_path / "map.yaml"
    mapping.write_text("Weather talk: resistance=none\n", encoding="utf-8")
    target = tmp_path / "mapped.scstudy"
    summary = import_refi(
        path,
        target,
        mapping=mapping,
        codebook=DEFAULT_CODEBOOK_PATH,
        speaker_map={"Interviewer": "therapist", "Client": "patient"},
    )
    assert summary.unmapped_codes == ()
    assert ("Interview 1", "4", "bo", "resistance", "none", "") in _codes(target, tmp_path)
    csv_map = tmp_path / "map.csv"
    csv_map.write_text("code,dimension,value\nResistance/Strong,concordance,\n", encoding="utf-8")
    summary = import_refi(
        path,
        tmp_path / "csv.scstudy",
        mapping=csv_map,
        codebook=DEFAULT_CODEBOOK_PATH,
        speaker_map={"Interviewer": "therapist", "Client": "patient"},
    )
    assert ("Interview 1", "2", "bo", "concordance", "1", "") in _codes(
        tmp_path / "csv.scstudy", tmp_path
    )


def _refused(tmp_path: Path, path: Path, message: str, **kwargs: object) -> None:
    target = tmp_path / "refused.scstudy"
    with pytest.raises(UserError, match=message):
        import_refi(
            path, target, speaker_map={"Interviewer": "therapist", "Client": "patient"}, **kwargs
        )
    assert sorted(p.name for p in tmp_path.iterdir() if "refused" in p.name) == []


def test_refuses_zip_slip(tmp_path: Path) -> None:
    _refused(
        tmp_path, _foreign_project(tmp_path, extra={"../evil.txt": b"x"}), "outside the project"
    )
    (tmp_path / "foreign.qdpx").unlink()
    _refused(tmp_path, _foreign_project(tmp_path, extra={"/etc/evil": b"x"}), "outside the project")


def test_refuses_dtd_and_entities(tmp_path: Path) -> None:
    bomb = """<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>
<Project xmlns="urn:QDA-XML:project:1.0" name="&b;"/>"""
    _refused(tmp_path, _foreign_project(tmp_path, qde=bomb), "DTD or entities")
    external = """<?xml version="1.0"?><!DOCTYPE p SYSTEM "http://example.invalid/x.dtd">
<Project xmlns="urn:QDA-XML:project:1.0" name="x"/>"""
    (tmp_path / "foreign.qdpx").unlink()
    _refused(tmp_path, _foreign_project(tmp_path, qde=external), "DTD or entities")


def test_refuses_oversized_entries_and_non_zip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _foreign_project(tmp_path)
    monkeypatch.setattr(refi_read, "MAX_ENTRY_BYTES", 100)
    _refused(tmp_path, path, "larger than")
    monkeypatch.undo()
    not_zip = tmp_path / "plain.qdpx"
    not_zip.write_text("hello", encoding="utf-8")
    _refused(tmp_path, not_zip, "ZIP archive")


def test_refuses_existing_target_and_unknown_speakers(tmp_path: Path) -> None:
    path = _foreign_project(tmp_path)
    existing = tmp_path / "exists.scstudy"
    existing.write_bytes(b"x")
    with pytest.raises(UserError, match="already exists"):
        import_refi(path, existing)
    with pytest.raises(UserError, match="speaker"):
        import_refi(path, tmp_path / "refused.scstudy")
    assert not (tmp_path / "refused.scstudy").exists()
    assert [p.name for p in tmp_path.iterdir() if "importing" in p.name] == []
