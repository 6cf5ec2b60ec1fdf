"""A study with its own codebook survives its own REFI-QDA round trip (issue #10 items 20, 23,
25): codebook, codes (explicit absent ones and memos included), coders, completion,
assignments, segments with start and end times, and the reliability figures.

Every .qdpx written here is validated against the QDA-XML schema and QualCoder's reading
rules (``tests/refi_support.py``)."""

from __future__ import annotations

import csv
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree
from refi_support import NS, assert_valid, qualcoder_problems
from sqlalchemy import select

from socialcoder.codebooks import DEFAULT_CODEBOOK_PATH
from socialcoder.errors import UserError
from socialcoder.services.assignments import assign
from socialcoder.services.coders import add_coders
from socialcoder.services.codes_csv import export_codes_csv
from socialcoder.services.coding import set_code, set_completed, set_segment_memo
from socialcoder.services.consensus import adjudicate
from socialcoder.services.exporting import export_refi
from socialcoder.services.refi_import import import_refi
from socialcoder.services.study import create_study, open_study
from socialcoder.services.transcript_import import ImportItem, import_transcripts
from socialcoder.storage.models import (
    AssignmentRow,
    CodebookVersionRow,
    CoderRow,
    CompletionRow,
    SegmentRow,
    TranscriptRow,
)

CODEBOOK = """\
# Fictional codebook written for SocialCoder's tests.
name: Alliance ruptures (test)
version: "2.1"
description: Fictional codebook for the REFI-QDA round trip.
references:
  - A fictional reference, 2026.
dimensions:
  - key: withdrawal
    label: Withdrawal rupture
    scale: nominal
    values:
      - {value: none, label: no withdrawal}
      - {value: mild, label: mild withdrawal, shortcut: q}
      - {value: marked, label: marked withdrawal, shortcut: e}
    unit: segment
    applies_to: [patient]
    shortcut: w
    color: "#cc79a7"
    definition: The patient moves away from the therapist or from the work.
    include: [Minimal answers after a challenge.]
    exclude: [Silence while thinking.]
    examples: ["Fictional. P: 'Whatever.' -> mild"]
  - key: confrontation
    label: Confrontation rupture
    scale: ordinal
    values: [none, mild, strong]
    applies_to: [patient]
    shortcut: x
  - key: repair
    label: Repair attempt
    scale: binary
    applies_to: [therapist]
    shortcut: r
    color: "#0072b2"
  - key: bond
    label: Bond (session rating)
    scale: interval
    values: [1, 2, 3, 4, 5]
    unit: session
  - key: silence
    label: Minutes of silence
    scale: ratio
    unit: session
"""

VTT = """WEBVTT

NOTE Fictional session written for SocialCoder's tests.

00:00:01.000 --> 00:00:04.500
<v Therapist>How have things been since we last met?

00:00:05.200 --> 00:00:09.000
<v Client>Honestly, I did not want to come today.

00:00:10.000 --> 00:00:12.250
<v Therapist>Thank you for telling me. What made it hard?

00:00:13.000 --> 00:00:18.400
<v Client>Last time it felt like you were not listening. Whatever.
"""

TEXT = """Fictional transcript written for SocialCoder's tests.
T: Shall we start with the homework?
P: I did some of it. Not all.
T: Which part was hard?
P: The diary. It is pointless, to be honest.
"""


@pytest.fixture
def own_study(tmp_path: Path) -> Path:
    """A study with the codebook above: a VTT transcript (start and end times, gaps between
    cues) and a plain-text one with a preamble. ana: every kind of code (nominal, ordinal,
    binary 1 and an explicit 0 with a memo, session interval and ratio), a segment memo,
    both transcripts complete. ben: codes on the VTT transcript, not complete, assigned for
    reliability. cleo: a coder without codes, assigned. The consensus layer: one code."""
    (tmp_path / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (tmp_path / "S1.vtt").write_text(VTT, encoding="utf-8")
    (tmp_path / "S2.txt").write_text(TEXT, encoding="utf-8")
    path = tmp_path / "own.scstudy"
    with create_study(path, codebook_path=tmp_path / "codebook.yaml", name="Ruptures") as study:
        import_transcripts(
            study,
            [
                ImportItem(path=tmp_path / "S1.vtt", participant="P05", therapist="T2", session=1),
                ImportItem(path=tmp_path / "S2.txt", participant="P05", session=2),
            ],
        )
        add_coders(study, ["ana", "ben", "cleo"])

        def code(
            coder: str, t: str, seg: int | None, dim: str, value: str, memo: str | None = None
        ) -> None:
            set_code(
                study, coder=coder, transcript=t, segment=seg, dimension=dim, value=value, memo=memo
            )

        code("ana", "S1", 2, "withdrawal", "mild", "pulls back from the session")
        code("ana", "S1", 4, "withdrawal", "marked")
        code("ana", "S1", 4, "confrontation", "mild")
        code("ana", "S1", 3, "repair", "1", "asks what made it hard")
        code("ana", "S1", 1, "repair", "0", "nothing to repair yet")
        code("ana", "S1", None, "bond", "2")
        code("ana", "S1", None, "silence", "2.5")
        set_segment_memo(
            study, coder="ana", transcript="S1", segment=4, text="sarcastic 'whatever'"
        )
        code("ana", "S2", 4, "confrontation", "strong")
        code("ana", "S2", 2, "withdrawal", "none")
        set_completed(study, coder="ana", transcript="S1")
        set_completed(study, coder="ana", transcript="S2")
        code("ben", "S1", 2, "withdrawal", "mild")
        code("ben", "S1", 4, "withdrawal", "mild")
        code("ben", "S1", 4, "confrontation", "strong")
        code("ben", "S1", 3, "repair", "1")
        code("ben", "S1", None, "bond", "3")
        assign(study, coder="ben", transcript="S1", purpose="reliability")
        assign(study, coder="cleo", transcript="S2")
        adjudicate(
            study,
            transcript="S1",
            segment=4,
            dimension="confrontation",
            value="mild",
            reason="agreed",
        )
    return path


def _codes(path: Path, tmp_path: Path) -> list[tuple[str, ...]]:
    out = tmp_path / f"{path.stem}.codes.csv"
    with open_study(path) as study:
        export_codes_csv(study, out, force=True)
    lines = out.read_text(encoding="utf-8").splitlines()
    return sorted(tuple(line.split(",")) for line in lines[1:])


def _state(path: Path) -> dict[str, object]:
    with open_study(path) as study, study.read() as s:
        coders = dict(s.execute(select(CoderRow.id, CoderRow.name)).all())
        names = dict(s.execute(select(TranscriptRow.id, TranscriptRow.name)).all())
        return {
            "codebook_yaml": s.scalars(select(CodebookVersionRow.source_yaml)).all(),
            "codebook": study.codebook,
            "coders": sorted(coders.values()),
            "transcripts": sorted(
                s.execute(
                    select(
                        TranscriptRow.name,
                        TranscriptRow.participant,
                        TranscriptRow.therapist,
                        TranscriptRow.session_number,
                        TranscriptRow.source_name,
                        TranscriptRow.format,
                        TranscriptRow.content_hash,
                        TranscriptRow.preamble,
                    )
                ).all()
            ),
            "segments": sorted(
                (names[r.transcript_id], r.idx, r.role, r.label, r.start_s, r.end_s, r.text)
                for r in s.scalars(select(SegmentRow))
            ),
            "completions": sorted(
                (coders[r.coder_id], names[r.transcript_id])
                for r in s.scalars(select(CompletionRow))
            ),
            "assignments": sorted(
                (coders[r.coder_id], names[r.transcript_id], r.purpose)
                for r in s.scalars(select(AssignmentRow))
            ),
        }


def _reliability(cli: Callable[..., object], path: Path) -> dict[str, object]:
    result = cli("reliability", path, "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    data.pop("computed_at")
    return data


def test_own_codebook_study_survives_its_round_trip(
    own_study: Path, tmp_path: Path, cli: Callable[..., object]
) -> None:
    """Item 20 (codebook, codes, memos, coders), 23 (start and end times) and 25 (completion):
    on main the import fell back to the built-in codebook and dropped every coding, ends were
    lost and every (coder, transcript) came back complete."""
    qdpx = tmp_path / "own.qdpx"
    with open_study(own_study) as study:
        summary = export_refi(study, qdpx)
    assert summary.absent_codes == 1 and summary.not_written == ()
    assert_valid(qdpx)
    assert qualcoder_problems(qdpx) == []
    back = tmp_path / "back.scstudy"
    result = import_refi(qdpx, back)
    assert result.unmapped_codes == () and result.skipped_codings == () and result.conflicts == ()
    assert result.rejected_selections == () and result.partial_selections == ()
    assert "carried in the project" in result.codebook
    assert result.completed == 2 and "as in the SocialCoder study" in result.completion
    before, after = _state(own_study), _state(back)
    assert after == before
    assert _codes(back, tmp_path) == _codes(own_study, tmp_path)
    assert ("S1", "1", "ana", "repair", "0", "nothing to repair yet") in _codes(back, tmp_path)
    s1 = [seg for seg in after["segments"] if seg[0] == "S1"]
    assert [(seg[4], seg[5]) for seg in s1] == [(1.0, 4.5), (5.2, 9.0), (10.0, 12.25), (13.0, 18.4)]
    assert _reliability(cli, back) == _reliability(cli, own_study)


def test_reliability_json_is_equal_after_the_round_trip_of_the_demo(
    demo_path: Path, tmp_path: Path, cli: Callable[..., object]
) -> None:
    qdpx = tmp_path / "demo.qdpx"
    assert cli("export", demo_path, qdpx).code == 0
    assert_valid(qdpx)
    assert cli("import-refi", qdpx, tmp_path / "back.scstudy").code == 0
    assert _reliability(cli, tmp_path / "back.scstudy") == _reliability(cli, demo_path)


def test_codes_carry_the_codebook_for_other_programs(own_study: Path, tmp_path: Path) -> None:
    """Code names are unique in the whole codebook (two dimensions share the values 'none'
    and 'mild'); descriptions hold definition, criteria and examples; colours are kept."""
    qdpx = tmp_path / "own.qdpx"
    with open_study(own_study) as study:
        export_refi(study, qdpx)
    with zipfile.ZipFile(qdpx) as zf:
        root = etree.fromstring(zf.read("project.qde"))
        carried = zf.read("socialcoder/codebook.yaml").decode("utf-8")
    assert carried == CODEBOOK
    codes = root.findall(".//q:Code", NS)
    names = [c.get("name") for c in codes]
    assert len(names) == len(set(names))
    assert {"withdrawal: mild", "confrontation: mild", "bond: 3", "silence: 2.5"} <= set(names)
    withdrawal = root.find(".//q:Code[@name='withdrawal']", NS)
    text = withdrawal.findtext("q:Description", namespaces=NS)
    assert "The patient moves away" in text and "Silence while thinking." in text
    assert "applies to: patient" in text and "key: w" in text
    assert withdrawal.get("color") == "#cc79a7"
    mild = withdrawal.find("q:Code[@name='withdrawal: mild']", NS)
    assert (
        mild.findtext("q:Description", namespaces=NS)
        == "Withdrawal rupture: mild withdrawal (key: q)"
    )


def test_every_element_is_dated_and_every_selection_has_its_coder(
    own_study: Path, tmp_path: Path
) -> None:
    """Item 22: QualCoder needs dates on notes and the coder on each selection."""
    qdpx = tmp_path / "own.qdpx"
    with open_study(own_study) as study:
        export_refi(study, qdpx)
    with zipfile.ZipFile(qdpx) as zf:
        root = etree.fromstring(zf.read("project.qde"))
    users = {u.get("guid"): u.get("name") for u in root.iterfind("q:Users/q:User", NS)}
    assert sorted(users.values()) == ["ana", "ben", "cleo", "consensus"]
    dated = [
        *root.iterfind(".//q:Note", NS),
        *root.iterfind(".//q:PlainTextSelection", NS),
        *root.iterfind(".//q:TextSource", NS),
    ]
    assert dated and all(e.get("creationDateTime") and e.get("modifiedDateTime") for e in dated)
    per_coder: dict[str, int] = {}
    for sel in root.iterfind(".//q:PlainTextSelection", NS):
        coder = users[sel.get("creatingUser")]
        per_coder[coder] = per_coder.get(coder, 0) + 1
        assert all(
            c.get("creatingUser") == sel.get("creatingUser") for c in sel.iterfind("q:Coding", NS)
        )
        assert len(sel.findall("q:Coding", NS)) <= 1
    # ana: 8 present codes + 1 segment memo (the explicit 0 is in socialcoder/study.json)
    assert per_coder == {"ana": 9, "ben": 5, "consensus": 1}


def test_segment_end_times_survive_the_round_trip(tmp_path: Path) -> None:
    """Item 23: with the default codebook (so that main's import reads the codes too), the
    start and end times of a VTT transcript come back exactly; on main every end became the
    next turn's start and the last one was lost."""
    (tmp_path / "S1.vtt").write_text(VTT, encoding="utf-8")
    path = tmp_path / "times.scstudy"
    with create_study(path, codebook_path=DEFAULT_CODEBOOK_PATH, name="times") as study:
        import_transcripts(study, [ImportItem(path=tmp_path / "S1.vtt")])
        add_coders(study, ["ana"])
        set_code(study, coder="ana", transcript="S1", segment=2, dimension="concordance", value="1")
    qdpx = tmp_path / "times.qdpx"
    with open_study(path) as study:
        export_refi(study, qdpx)
    assert_valid(qdpx)
    import_refi(qdpx, tmp_path / "back.scstudy")

    def times(p: Path) -> list[tuple[object, ...]]:
        with open_study(p) as study, study.read() as s:
            rows = s.execute(
                select(SegmentRow.idx, SegmentRow.start_s, SegmentRow.end_s).order_by(
                    SegmentRow.idx
                )
            )
            return [tuple(r) for r in rows]

    assert (
        times(tmp_path / "back.scstudy")
        == times(path)
        == [
            (1, 1.0, 4.5),
            (2, 5.2, 9.0),
            (3, 10.0, 12.25),
            (4, 13.0, 18.4),
        ]
    )


def test_memos_keep_carriage_returns_through_the_round_trip(
    own_study: Path, tmp_path: Path
) -> None:
    """A memo typed on Windows (or imported from a codes CSV written there) holds CR LF line
    breaks. XML parsers turn a literal CR LF (and a lone CR) into LF, so the memos came back
    with every CR gone, silently; the project now writes CR as a character reference."""
    code_memo = 'first line\r\nsecond, "quoted" — café ☕\rthird\r\n\r\nlast'
    segment_memo = "Windows line\r\nUnix line\nold Mac line\rend"
    with open_study(own_study) as study:
        set_code(
            study,
            coder="ana",
            transcript="S2",
            segment=4,
            dimension="confrontation",
            value="strong",
            memo=code_memo,
        )
        set_segment_memo(study, coder="ben", transcript="S1", segment=2, text=segment_memo)
    qdpx = tmp_path / "own.qdpx"
    with open_study(own_study) as study:
        export_refi(study, qdpx)
    assert_valid(qdpx)
    back = tmp_path / "back.scstudy"
    import_refi(qdpx, back)

    def memos(path: Path) -> list[list[str]]:
        out = tmp_path / f"{path.stem}.memos.csv"
        with open_study(path) as study:
            export_codes_csv(study, out, force=True)
        with out.open(encoding="utf-8", newline="") as fh:
            return sorted(row for row in csv.reader(fh) if row[5])

    before = memos(own_study)
    assert ["S2", "4", "ana", "confrontation", "strong", code_memo] in before
    assert ["S1", "2", "ben", "", "", segment_memo] in before
    assert memos(back) == before


@pytest.mark.parametrize("char", ["\x0b", "\x0c", "\x01", "\x1f"])
def test_a_memo_xml_cannot_hold_stops_the_export_with_what_to_do(
    own_study: Path, tmp_path: Path, char: str
) -> None:
    """A memo with a control character that XML 1.0 cannot hold (a vertical tab pasted from
    Word, U+000B) was written into project.qde as it was: the export said it wrote the project,
    and the project was not well-formed XML, so SocialCoder's own import-refi (and any other
    program) refused it. Now the export is refused, naming the memo, as an Excel export is."""
    with open_study(own_study) as study:
        set_segment_memo(study, coder="ben", transcript="S1", segment=3, text=f"tab{char}here")
    qdpx = tmp_path / "own.qdpx"
    qdpx.write_bytes(b"an earlier project")
    with open_study(own_study) as study, pytest.raises(UserError) as refused:
        export_refi(study, qdpx, force=True)
    message = str(refused.value)
    assert str(qdpx) in message
    assert "'S1 segment 3: ben, segment memo'" in message
    assert f"U+{ord(char):04X}" in message and "csv, parquet and dta keep" in message
    assert qdpx.read_bytes() == b"an earlier project"
    # without it the same study exports, and imports back
    with open_study(own_study) as study:
        set_segment_memo(study, coder="ben", transcript="S1", segment=3, text="tab here")
        export_refi(study, qdpx, force=True)
    assert_valid(qdpx)
    import_refi(qdpx, tmp_path / "back.scstudy")


def test_a_code_memo_keeps_its_surrounding_spaces_through_the_round_trip(
    own_study: Path, tmp_path: Path
) -> None:
    """A code memo is stored as typed (an indented list keeps its first indent); the REFI
    import stripped the selection's description and note, so the memo came back without it."""
    memo = "  - first point\n  - second point  "
    with open_study(own_study) as study:
        set_code(
            study,
            coder="ana",
            transcript="S2",
            segment=4,
            dimension="confrontation",
            value="strong",
            memo=memo,
        )
    qdpx = tmp_path / "own.qdpx"
    with open_study(own_study) as study:
        export_refi(study, qdpx)
    back = tmp_path / "back.scstudy"
    import_refi(qdpx, back)
    out = tmp_path / "back.csv"
    with open_study(back) as study:
        export_codes_csv(study, out)
    with out.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.reader(fh) if r[:4] == ["S2", "4", "ana", "confrontation"]]
    assert rows == [["S2", "4", "ana", "confrontation", "strong", memo]]
