"""Projects from other programs (issue #10 items 15, 21, 22, 25): hand-written fixtures under
``tests/data/refi-qda/projects`` imitate what QualCoder, NVivo-like tools and buggy writers
produce (all texts fictional)."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from refi_support import PROJECTS, pack, qualcoder_problems, schema
from sqlalchemy import select

from socialcoder.codebooks import DEFAULT_CODEBOOK_PATH
from socialcoder.domain.codebook import Role, Scale
from socialcoder.errors import Input, Remedy, UserError
from socialcoder.services.codes_csv import export_codes_csv
from socialcoder.services.exporting import export_refi
from socialcoder.services.refi_import import import_refi
from socialcoder.services.study import Study, open_study
from socialcoder.storage.models import CoderRow, CompletionRow, SegmentRow, TranscriptRow


def _codes(path: Path) -> set[tuple[str, ...]]:
    out = path.with_suffix(".codes.csv")
    with open_study(path) as study:
        export_codes_csv(study, out, force=True)
    with out.open(encoding="utf-8") as fh:
        return {tuple(r.values()) for r in csv.DictReader(fh)}


@pytest.mark.parametrize("name", ["qualcoder_style", "nvivo_style", "bad_selections"])
def test_fixtures_are_valid_projects(name: str) -> None:
    root = etree.parse(str(PROJECTS / name / "project.qde"))
    assert schema().validate(root), schema().error_log


def test_qualcoder_project_keeps_its_codes_memos_and_cases(tmp_path: Path) -> None:
    """Items 21 and 22: without --codebook the codes become dimensions (nested codes with
    descriptions and colours); the selection's Description is the coding memo; annotations
    become segment memos; a case gives the participant; the source owner 'default', who coded
    nothing, does not become a coder; what has no place is listed."""
    target = tmp_path / "qs.scstudy"
    summary = import_refi(pack("qualcoder_style", tmp_path), target)
    assert summary.coders == ("maria", "tom")
    assert summary.users_without_codes == ("default",)
    assert summary.unmapped_codes == () and summary.rejected_selections == ()
    with open_study(target) as study:
        book = study.codebook
        with study.read() as s:
            transcript = s.execute(
                select(TranscriptRow.name, TranscriptRow.participant, TranscriptRow.session_number)
            ).one()
    assert [(d.key, d.label, d.scale) for d in book.dimensions] == [
        ("model_talk", "Model talk", Scale.BINARY),
        ("accepts_model", "Accepts model", Scale.BINARY),
        ("doubts_model", "Doubts model", Scale.BINARY),
        ("frustration", "Frustration", Scale.BINARY),
        ("hope", "Hope", Scale.BINARY),
    ]
    assert book.dimension("model_talk").definition.startswith("The client talks about")
    assert book.dimension("accepts_model").color == "#4daf4a"
    assert tuple(transcript) == ("P07_session03.txt", "P07", 3)
    assert _codes(target) == {
        (
            "P07_session03.txt",
            "2",
            "maria",
            "accepts_model",
            "1",
            "clear acceptance of the rationale",
        ),
        ("P07_session03.txt", "2", "tom", "accepts_model", "1", ""),
        ("P07_session03.txt", "4", "tom", "frustration", "1", ""),
        ("P07_session03.txt", "5", "maria", "hope", "1", ""),
        ("P07_session03.txt", "6", "maria", "hope", "1", ""),
        ("P07_session03.txt", "6", "maria", "model_talk", "1", "links the bad day to overdoing"),
        ("P07_session03.txt", "4", "maria", "", "", "ask about sleep next time"),
        (
            "P07_session03.txt",
            "4",
            "tom",
            "",
            "",
            "Check with the supervisor whether this is rest or avoidance.",
        ),
    }
    assert dict(summary.partial_selections) == {
        "cover part of a turn (coded on the whole turn)": 2,
        "span several turns (coded on each turn they overlap)": 1,
    }
    assert summary.notes_not_imported == 1  # the journal
    listed = "\n".join(summary.not_imported)
    assert "'Recruited via'" in listed and "'Age group'" in listed and "case(s) 'P07'" in listed
    assert summary.completed == 0 and "asked to mark them complete" in summary.completion


def test_other_programs_projects_are_not_complete_unless_asked(tmp_path: Path) -> None:
    """Item 25: another program's coding marks presence only; completing it would turn every
    uncoded turn into 'absent' and manufacture agreement (on main every (coder, transcript)
    with codes was marked complete). Default: nothing complete; --complete opts in."""
    mapping = tmp_path / "map.yaml"
    mapping.write_text("Refusal: resistance=strong\n", encoding="utf-8")
    qdpx = pack("bad_selections", tmp_path)
    plain, done = tmp_path / "plain.scstudy", tmp_path / "done.scstudy"
    kwargs = {"codebook": DEFAULT_CODEBOOK_PATH, "mapping": mapping}
    first = import_refi(qdpx, plain, **kwargs)
    second = import_refi(qdpx, done, complete=True, **kwargs)
    for path, expected in ((plain, []), (done, [("kim", "P02_s1")])):
        with open_study(path) as study, study.read() as s:
            rows = s.execute(
                select(CoderRow.name, TranscriptRow.name)
                .select_from(CompletionRow)
                .join(CoderRow, CoderRow.id == CompletionRow.coder_id)
                .join(TranscriptRow, TranscriptRow.id == CompletionRow.transcript_id)
            ).all()
        assert [tuple(r) for r in rows] == expected
    assert first.completed == 0 and "unless the import is asked to" in first.completion
    assert second.completed == 1 and "(as asked)" in second.completion


def test_own_export_honours_no_complete(small: Study, tmp_path: Path) -> None:
    export_refi(small, tmp_path / "small.qdpx")
    summary = import_refi(tmp_path / "small.qdpx", tmp_path / "back.scstudy", complete=False)
    assert summary.completed == 0 and "(as asked)" in summary.completion


def test_sources_folder_internal_paths_and_unlabelled_text(tmp_path: Path) -> None:
    """Item 21: ``Sources/``, upper-case file names, braced GUIDs, ``internal:///``, CRLF, a
    nested code tree; a text without speaker labels is refused with a remedy that says whose
    text it is, and imported one turn per line with it."""
    qdpx = pack("nvivo_style", tmp_path)
    with pytest.raises(UserError, match="without speaker labels") as refused:
        import_refi(qdpx, tmp_path / "refused.scstudy")
    assert Remedy.give(Input.ONE_SPEAKER) in refused.value.remedies
    assert not (tmp_path / "refused.scstudy").exists()
    target = tmp_path / "nv.scstudy"
    summary = import_refi(qdpx, target, one_speaker=Role.PATIENT)
    assert (summary.transcripts, summary.segments) == (2, 7)
    assert summary.coders == ("Ruth Ames", "Sam Lee")
    with open_study(target) as study:
        assert study.codebook.keys == ("pacing", "overdoing", "resting", "unused_code")
        assert (
            study.codebook.dimension("overdoing").definition
            == "Does more than planned on a good day."
        )
        with study.read() as s:
            diary = s.execute(
                select(SegmentRow.role, SegmentRow.text)
                .join(TranscriptRow)
                .where(TranscriptRow.name == "Diary week 6")
                .order_by(SegmentRow.idx)
            ).all()
    assert [tuple(r) for r in diary] == [
        ("patient", "Monday. Walked to the post box and back. Legs heavy but fine."),
        ("patient", "Tuesday. Stayed in bed until noon because I felt awful."),
        (
            "patient",
            "Wednesday. Did the planned ten minutes, nothing more, even though I felt good.",
        ),
    ]
    assert _codes(target) == {
        ("Diary week 6", "1", "Sam Lee", "pacing", "1", ""),
        ("Diary week 6", "2", "Ruth Ames", "resting", "1", "Rest as a reaction, not a plan."),
        ("Diary week 6", "3", "Ruth Ames", "pacing", "1", ""),
        ("Session 2", "2", "Ruth Ames", "pacing", "1", ""),
        ("Session 2", "4", "Ruth Ames", "overdoing", "1", ""),
    }


def test_mapping_turns_a_parent_code_into_a_nominal_dimension(tmp_path: Path) -> None:
    mapping = tmp_path / "map.yaml"
    mapping.write_text("Coping: {scale: nominal, dimension: coping}\n", encoding="utf-8")
    target = tmp_path / "nominal.scstudy"
    import_refi(pack("nvivo_style", tmp_path), target, mapping=mapping, one_speaker=Role.PATIENT)
    with open_study(target) as study:
        coping = study.codebook.dimension("coping")
        assert study.codebook.keys == ("coping", "unused_code")
    assert coping.scale is Scale.NOMINAL
    assert coping.value_texts == ("Pacing", "Overdoing", "Resting")
    assert ("Session 2", "4", "Ruth Ames", "coping", "Overdoing", "") in _codes(target)
    bad = tmp_path / "bad.yaml"
    bad.write_text("Pacing: coping=Resting\n", encoding="utf-8")
    with pytest.raises(UserError, match="'value' needs a codebook"):
        import_refi(
            pack("nvivo_style", tmp_path),
            tmp_path / "x.scstudy",
            mapping=bad,
            one_speaker=Role.PATIENT,
        )


def test_bad_selections_are_reported_not_clamped(tmp_path: Path) -> None:
    """Item 15: out-of-range, reversed and empty selections are not imported, each with its
    reason; on main a reversed selection was swapped and an endPosition of 99999999 coded
    every turn to the end. Partial and spanning selections are counted."""
    mapping = tmp_path / "map.yaml"
    mapping.write_text("Refusal: resistance=strong\n", encoding="utf-8")
    target = tmp_path / "bad.scstudy"
    summary = import_refi(
        pack("bad_selections", tmp_path), target, codebook=DEFAULT_CODEBOOK_PATH, mapping=mapping
    )
    # resistance applies to patient turns: the spanning selection codes turn 2 (P) only; the
    # bad selections all touch turn 6, which no good selection codes
    assert _codes(target) == {
        ("P02_s1", "2", "kim", "resistance", "strong", ""),
        ("P02_s1", "4", "kim", "resistance", "strong", ""),
    }
    assert summary.rejected_selections == (
        "source 'P02_s1', selection 230..99999999: it ends after the text (endPosition 99999999; "
        "the text has 262 characters); 1 coding(s) not imported",
        "source 'P02_s1', selection -5..261: it starts before the text (startPosition -5); "
        "1 coding(s) not imported",
        "source 'P02_s1', selection 261..230: it ends before it starts (startPosition 261 > "
        "endPosition 230); 1 coding(s) not imported",
        "source 'P02_s1', selection 230..230: it selects no text (startPosition = endPosition); "
        "1 coding(s) not imported",
    )
    assert summary.skipped_codings == (
        ("selection outside every turn's text (e.g. in the preamble or a label)", 1),
    )
    assert dict(summary.partial_selections) == {
        "cover part of a turn (coded on the whole turn)": 1,
        "span several turns (coded on each turn they overlap)": 1,
    }


def test_non_numeric_positions_are_reported(tmp_path: Path) -> None:
    qdpx = pack("bad_selections", tmp_path)
    with zipfile.ZipFile(qdpx) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    old = b'startPosition="88" endPosition="123"'
    assert old in files["project.qde"]
    files["project.qde"] = files["project.qde"].replace(
        old, b'startPosition="8x" endPosition="123"'
    )
    broken = tmp_path / "broken.qdpx"
    with zipfile.ZipFile(broken, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    summary = import_refi(broken, tmp_path / "b.scstudy")
    assert "its startPosition '8x' is not a whole number" in summary.rejected_selections[0]


def test_rules_checker_finds_what_qualcoder_misreads(small: Study, tmp_path: Path) -> None:
    """The QualCoder rules used above can fail: undated notes, selections without their
    coder, duplicate code names and memos only in notes are each found."""
    good = tmp_path / "good.qdpx"
    export_refi(small, good)
    assert qualcoder_problems(good) == []
    with zipfile.ZipFile(good) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    root = etree.fromstring(files["project.qde"])
    ns = {"q": "urn:QDA-XML:project:1.0"}
    for note in root.iterfind(".//q:Note", ns):
        del note.attrib["creationDateTime"], note.attrib["modifiedDateTime"]
    for sel in root.iterfind(".//q:PlainTextSelection", ns):
        del sel.attrib["creatingUser"]
        for d in sel.findall("q:Description", ns):
            sel.remove(d)
    root.find(".//q:Code[@name='resistance: mild']", ns).set("name", "concordance")
    files["project.qde"] = etree.tostring(root)
    bad = tmp_path / "bad.qdpx"
    with zipfile.ZipFile(bad, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    rules = {p.split(":")[0] for p in qualcoder_problems(bad)}
    assert rules == {"rule 2", "rule 3", "rule 5", "rule 6"}


def test_mapping_gives_a_built_dimension_a_unit_and_a_key(tmp_path: Path) -> None:
    """A code applied to a whole passage (QualCoder writes session-level codes of a SocialCoder
    export as selections over the whole text) can be made a session-level dimension."""
    mapping = tmp_path / "map.csv"
    mapping.write_text("code,dimension,unit\nEmotions/Hope,hope_rating,session\n", encoding="utf-8")
    target = tmp_path / "unit.scstudy"
    summary = import_refi(pack("qualcoder_style", tmp_path), target, mapping=mapping)
    with open_study(target) as study:
        hope = study.codebook.dimension("hope_rating")
    assert hope.unit.value == "session"
    assert ("P07_session03.txt", "", "maria", "hope_rating", "1", "") in _codes(target)
    assert "span several turns (coded on each turn they overlap)" not in dict(
        summary.partial_selections
    )
    with pytest.raises(UserError, match="'scale' and 'unit' apply only"):
        import_refi(
            pack("qualcoder_style", tmp_path),
            tmp_path / "x.scstudy",
            mapping=mapping,
            codebook=DEFAULT_CODEBOOK_PATH,
        )


def test_a_user_named_consensus_is_the_consensus_layer(tmp_path: Path) -> None:
    """SocialCoder exports its consensus layer as a user 'consensus'; a project that went
    through another program keeps that user, whose codes go back to the layer (not to a coder
    counted in reliability)."""
    qdpx = pack("qualcoder_style", tmp_path)
    with zipfile.ZipFile(qdpx) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    files["project.qde"] = files["project.qde"].replace(b'name="tom"', b'name="Consensus"')
    renamed = tmp_path / "renamed.qdpx"
    with zipfile.ZipFile(renamed, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    target = tmp_path / "c.scstudy"
    summary = import_refi(renamed, target)
    assert summary.coders == ("consensus", "maria")
    with open_study(target) as study, study.read() as s:
        kinds = dict(s.execute(select(CoderRow.name, CoderRow.kind)).all())
    assert kinds == {"consensus": "consensus", "maria": "coder"}
    assert ("P07_session03.txt", "4", "consensus", "frustration", "1", "") in _codes(target)
