"""REFI-QDA with recordings (issue #13): a transcript with a recording is exported as an
AudioSource/VideoSource whose Transcript carries a SyncPoint at the start and the end of every
turn (QualCoder's layout), valid against the QDA-XML schema; the round trip keeps every sync
point, every code with its coder, the measured times and the recording's path; estimates are
never exchanged as times. A project from another program in that layout is read too.

Expected positions and times are worked out here from the transcript text and the stamps,
not taken from the exporter."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from lxml import etree
from media_support import tone_wav
from refi_support import NS, assert_valid
from sqlalchemy import select

from socialcoder.codebooks import DEFAULT_CODEBOOK_PATH
from socialcoder.services.coders import add_coders
from socialcoder.services.coding import set_code
from socialcoder.services.exporting import export_refi
from socialcoder.services.media import attach_media, recording_of
from socialcoder.services.media_timing import stamp_start
from socialcoder.services.refi_import import import_refi
from socialcoder.services.study import create_study, open_study
from socialcoder.services.transcript_import import ImportItem, import_transcripts
from socialcoder.services.transcript_list import list_transcripts
from socialcoder.services.transcript_view import show_transcript
from socialcoder.storage.models import CodeRow, CoderRow, SegmentRow

TURNS = [
    ("T", "Hello there."),
    ("P", "Hi. It has been a long week, honestly."),
    ("T", "Tell me."),
    ("P", "Fine."),
]


@pytest.fixture
def recorded(tmp_path: Path) -> Path:
    """s1 with a 40 s recording; turns 1 and 3 stamped (2 and 4 estimated); ana and ben code
    turn 2, ana turn 4 and the session."""
    src = tmp_path / "s1.txt"
    src.write_text("".join(f"{who}: {text}\n" for who, text in TURNS), encoding="utf-8")
    (tmp_path / "media").mkdir()
    wav = tone_wav(tmp_path / "media" / "s1.wav", [(2.0, 3.0), (20.0, 21.0)], 40.0)
    path = tmp_path / "rec.scstudy"
    with create_study(path, codebook_path=DEFAULT_CODEBOOK_PATH, name="rec") as study:
        import_transcripts(study, [ImportItem(path=src, name="s1")])
        add_coders(study, ["ana", "ben"])
        attach_media(study, "s1", wav)
        stamp_start(study, coder="ana", transcript="s1", segment=1, seconds=2.0)
        stamp_start(study, coder="ana", transcript="s1", segment=3, seconds=20.25)
        for coder in ("ana", "ben"):
            set_code(
                study, coder=coder, transcript="s1", segment=2, dimension="concordance", value="1"
            )
        set_code(
            study, coder="ana", transcript="s1", segment=4, dimension="resistance", value="mild"
        )
        set_code(
            study, coder="ana", transcript="s1", segment=None, dimension="goal_agreement", value="4"
        )
    return path


def _project(qdpx: Path) -> tuple[etree._Element, dict[str, str]]:
    with zipfile.ZipFile(qdpx) as zf:
        root = etree.fromstring(zf.read("project.qde"))
        texts = {n: zf.read(n).decode("utf-8") for n in zf.namelist() if n.startswith("sources/")}
    return root, texts


def _sync_points(root: etree._Element) -> list[tuple[int, str | None]]:
    return [
        (int(p.get("position")), p.get("timeStamp"))
        for p in root.iterfind(".//q:AudioSource/q:Transcript/q:SyncPoint", NS)
    ]


def test_a_recorded_transcript_is_an_audio_source_with_a_sync_point_per_turn(
    recorded: Path, tmp_path: Path
) -> None:
    qdpx = tmp_path / "rec.qdpx"
    with open_study(recorded) as study:
        export_refi(study, qdpx)
    assert_valid(qdpx)
    root, texts = _project(qdpx)
    assert not root.findall(".//q:TextSource", NS)
    (audio,) = root.findall(".//q:Sources/q:AudioSource", NS)
    assert audio.get("name") == "s1"
    assert audio.get("path") == "absolute://" + (tmp_path / "media" / "s1.wav").as_posix()
    (transcript,) = audio.findall("q:Transcript", NS)
    text = texts["sources/" + transcript.get("plainTextPath").removeprefix("internal://")]
    # turn text spans, from the text itself: measured starts are stamped, estimates are not
    lines = text.splitlines(keepends=True)
    assert lines[0].startswith("[00:00:02.000] T: ") and lines[2].startswith("[00:00:20.250] T: ")
    assert lines[1].startswith("P: ") and lines[3].startswith("P: ")
    spans, offset = [], 0
    for line, (_, body) in zip(lines, TURNS, strict=True):
        start = offset + line.index(body)
        spans.append((start, start + len(body)))
        offset += len(line)
    expected = {0: None, len(text): None}
    # an end is the next turn's start, measured only when that start is (turn 2 ends at the
    # stamp of turn 3); the last turn's end, the end of the recording, is an estimate
    starts, ends = ("2000", None, "20250", None), (None, "20250", None, None)
    for (a, b), start, end in zip(spans, starts, ends, strict=True):
        expected[a], expected[b] = start, end
    assert _sync_points(root) == sorted(expected.items())
    # the selections: by sync points, each with its coder, on the turn's text
    users = {u.get("guid"): u.get("name") for u in root.iterfind(".//q:User", NS)}
    point_at = {
        p.get("guid"): int(p.get("position")) for p in transcript.iterfind("q:SyncPoint", NS)
    }
    got = sorted(
        (
            users[s.get("creatingUser")],
            point_at[s.get("fromSyncPoint")],
            point_at[s.get("toSyncPoint")],
        )
        for s in transcript.iterfind("q:TranscriptSelection", NS)
    )
    assert got == sorted(
        [("ana", *spans[1]), ("ben", *spans[1]), ("ana", *spans[3]), ("ana", 0, len(text))]
    )
    assert not root.findall(".//q:PlainTextSelection", NS)


def _state(path: Path) -> tuple[object, ...]:
    with open_study(path) as study, study.read() as s:
        segs = s.execute(
            select(
                SegmentRow.idx,
                SegmentRow.start_s,
                SegmentRow.start_estimated,
                SegmentRow.end_s,
                SegmentRow.end_estimated,
            ).order_by(SegmentRow.idx)
        ).all()
        codes = s.execute(
            select(CoderRow.name, SegmentRow.idx, CodeRow.value)
            .join(CoderRow, CoderRow.id == CodeRow.coder_id)
            .outerjoin(SegmentRow, SegmentRow.id == CodeRow.segment_id)
        ).all()
        rec = recording_of(study, "s1")
    return [tuple(r) for r in segs], sorted(map(tuple, codes), key=str), rec.path if rec else None


def test_round_trip_keeps_sync_points_codes_times_and_the_recording(
    recorded: Path, tmp_path: Path
) -> None:
    first, second = tmp_path / "a.qdpx", tmp_path / "b.qdpx"
    with open_study(recorded) as study:
        export_refi(study, first)
    back = tmp_path / "back.scstudy"
    import_refi(first, back)
    with open_study(back) as study:
        export_refi(study, second)
    assert_valid(second)
    assert _sync_points(_project(second)[0]) == _sync_points(_project(first)[0])
    segs, codes, media = _state(back)
    want_segs, want_codes, _ = _state(recorded)
    assert codes == want_codes
    assert media == (tmp_path / "media" / "s1.wav").as_posix()
    # measured starts come back measured; the estimates are spread again between them (the
    # recording arrives unverified, its length unknown: nothing after the last stamp)
    assert [(i, a, est) for i, a, est, _, _ in segs] == [
        (1, 2.0, False),
        (2, want_segs[1][1], True),
        (3, 20.25, False),
        (4, None, False),
    ]
    with open_study(back) as study:
        assert show_transcript(study, "s1").segments[1].start_estimated


QUALCODER_QDE = """<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="qc" origin="QualCoder-like test project (fictional)">
<Users><User guid="aaaaaaaa-0000-4000-8000-000000000001" name="lee"/></Users>
<CodeBook><Codes>
<Code guid="cccccccc-0000-4000-8000-000000000001" name="concordance" isCodable="true"/>
</Codes></CodeBook>
<Sources>
<AudioSource guid="bbbbbbbb-0000-4000-8000-000000000001" name="visit.mp3"
 path="absolute:///archive/visit.mp3" creatingUser="aaaaaaaa-0000-4000-8000-000000000001">
<Transcript guid="bbbbbbbb-0000-4000-8000-000000000002" name="visit.mp3.transcribed"
 plainTextPath="internal://bbbbbbbb-0000-4000-8000-000000000002.txt"
 creatingUser="aaaaaaaa-0000-4000-8000-000000000001">
<SyncPoint guid="dddddddd-0000-4000-8000-000000000001" position="0" timeStamp="0"/>
<SyncPoint guid="dddddddd-0000-4000-8000-00000000000a" position="{p2}" timeStamp="4500"/>
<SyncPoint guid="dddddddd-0000-4000-8000-000000000002" position="{s2}" timeStamp="5000"/>
<SyncPoint guid="dddddddd-0000-4000-8000-000000000003" position="{e2}" timeStamp="9250"/>
<TranscriptSelection guid="eeeeeeee-0000-4000-8000-000000000001" name="visit.mp3.transcribed"
 fromSyncPoint="dddddddd-0000-4000-8000-000000000002" toSyncPoint="dddddddd-0000-4000-8000-000000000003">
<Coding guid="ffffffff-0000-4000-8000-000000000001"><CodeRef targetGUID="cccccccc-0000-4000-8000-000000000001"/></Coding>
</TranscriptSelection>
</Transcript>
<AudioSelection guid="eeeeeeee-0000-4000-8000-000000000002" begin="1000" end="2000"/>
</AudioSource>
<AudioSource guid="bbbbbbbb-0000-4000-8000-000000000003" name="untranscribed.mp3" path="absolute:///archive/u.mp3"/>
</Sources>
</Project>
"""
QUALCODER_TEXT = "Therapist: How are you?\nPatient: Better, I slept well.\nTherapist: Good.\n"


def test_another_programs_synced_transcript_gives_times_codes_and_the_path(
    tmp_path: Path,
) -> None:
    s2 = QUALCODER_TEXT.index("Better")
    e2 = QUALCODER_TEXT.index("\nTherapist: Good")
    p2 = QUALCODER_TEXT.index("Patient")  # the turn's line (before its label)
    qde = QUALCODER_QDE.format(p2=p2, s2=s2, e2=e2)
    qdpx = tmp_path / "qc.qdpx"
    with zipfile.ZipFile(qdpx, "w") as zf:
        zf.writestr("project.qde", qde)
        zf.writestr("sources/bbbbbbbb-0000-4000-8000-000000000002.txt", QUALCODER_TEXT)
    assert_valid(qdpx)
    out = tmp_path / "qc.scstudy"
    summary = import_refi(qdpx, out, codebook=DEFAULT_CODEBOOK_PATH)
    assert [n for n, _ in summary.skipped_sources] == ["untranscribed.mp3"]
    with open_study(out) as study:
        segs = show_transcript(study, "visit.mp3", coder="lee").segments
        rec = recording_of(study, "visit.mp3")
    # turn 1: the sync point at position 0; turn 2: the last one before its text (5.0 s, not
    # 4.5 s at its label); its end: the one at the end of its text; turn 3: none after it
    assert [(s.start, s.end) for s in segs] == [(0.0, 5.0), (5.0, 9.25), (None, None)]
    assert [s.start_estimated for s in segs] == [False, False, False]
    assert segs[1].codes == {"concordance": "1"} and not segs[0].codes
    assert rec is not None and rec.path == "/archive/visit.mp3" and rec.sha256 is None
    assert any("1 audio/video selection" in line for line in summary.not_imported)


def test_a_qualcoder_project_goes_out_again_in_qualcoders_layout_and_comes_back_the_same(
    tmp_path: Path,
) -> None:
    """QualCoder -> SocialCoder -> .qdpx -> SocialCoder. The export keeps what QualCoder's
    importer reads (an internal plain-text transcript with a creation date inside the
    AudioSource, a SyncPoint at position 0, each coded turn a TranscriptSelection
    between two SyncPoints of that Transcript) and the second import gives the first one's
    times, codes and recording."""
    s2 = QUALCODER_TEXT.index("Better")
    e2 = QUALCODER_TEXT.index("\nTherapist: Good")
    p2 = QUALCODER_TEXT.index("Patient")
    qdpx = tmp_path / "qc.qdpx"
    with zipfile.ZipFile(qdpx, "w") as zf:
        zf.writestr("project.qde", QUALCODER_QDE.format(p2=p2, s2=s2, e2=e2))
        zf.writestr("sources/bbbbbbbb-0000-4000-8000-000000000002.txt", QUALCODER_TEXT)
    first = tmp_path / "first.scstudy"
    import_refi(qdpx, first, codebook=DEFAULT_CODEBOOK_PATH)
    out = tmp_path / "out.qdpx"
    with open_study(first) as study:
        export_refi(study, out)
    assert_valid(out)
    root, texts = _project(out)
    (audio,) = root.findall(".//q:Sources/q:AudioSource", NS)
    assert audio.get("path") == "absolute:///archive/visit.mp3"
    (transcript,) = audio.findall("q:Transcript", NS)
    plain = transcript.get("plainTextPath")
    assert plain.startswith("internal://") and transcript.get("creationDateTime")
    text = texts["sources/" + plain.removeprefix("internal://")]
    points = {
        p.get("guid"): (int(p.get("position")), p.get("timeStamp"))
        for p in transcript.iterfind("q:SyncPoint", NS)
    }
    # a SyncPoint at position 0 (QualCoder writes its first there); the first turn's text
    # starts after its time stamp, with a SyncPoint at 0 ms
    assert min(points.values())[0] == 0
    first_body = text.index("How are you?")
    assert (first_body, "0") in points.values()
    users = {u.get("guid"): u.get("name") for u in root.iterfind(".//q:User", NS)}
    codes = {c.get("guid"): c.get("name") for c in root.iterfind(".//q:Code", NS)}
    coded = []
    for sel in transcript.iterfind("q:TranscriptSelection", NS):
        (a, t0), (b, t1) = points[sel.get("fromSyncPoint")], points[sel.get("toSyncPoint")]
        refs = [codes[r.get("targetGUID")] for r in sel.iterfind(".//q:CodeRef", NS)]
        coded.append((users[sel.get("creatingUser")], text[a:b], t0, t1, refs))
    assert ("lee", "Better, I slept well.", "5000", "9250", ["concordance"]) in [
        (u, body.strip(), t0, t1, [r.split(":")[0] for r in refs])
        for u, body, t0, t1, refs in coded
    ]
    back = tmp_path / "back.scstudy"
    import_refi(out, back)
    with open_study(first) as a, open_study(back) as b:
        name_a = show_transcript(a, "visit.mp3", coder="lee").segments
        (name_b,) = [t.name for t in list_transcripts(b)]
        segs_b = show_transcript(b, name_b, coder="lee").segments
        rec_b = recording_of(b, name_b)
    assert [(s.start, s.end, s.codes) for s in segs_b] == [
        (s.start, s.end, s.codes) for s in name_a
    ]
    assert rec_b is not None and rec_b.path == "/archive/visit.mp3"
