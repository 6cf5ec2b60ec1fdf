"""Planning a REFI-QDA import: each source's turns (with where their text lies in the source),
and the codes, memos and coders that the project's selections give. Everything is worked out
before a study exists; nothing here touches a database.

**Turns.** A source written by SocialCoder has its turns in ``socialcoder/study.json`` (exact
spans, labels, roles, start and end times). Any other text source is read by the plain-text
importer's rules (``Label: text`` lines; ``--speaker-map`` for labels it does not know); a
text without speaker labels is refused unless ``--one-speaker ROLE`` says whose it is, and
then every non-empty line (a paragraph in most exports) is one turn of that role.

**Times from sync points.** The transcript of an Audio/VideoSource carries ``SyncPoint``s
(a text position with a time in ms). A turn without a time in its text takes as its start the
time of the last sync point from the end of the previous turn's text (exclusive; the start of
the text for the first turn) up to the start of its own text, and as its end the time of a
sync point exactly at the end of its text. A time that would put a start before an earlier
turn's start, or an end before its start, is left out.

**Selections -> turns.** A selection ``[start, end)`` (Unicode code points, end exclusive)
is refused, with its reason, when a position is not a whole number, ``start < 0``,
``end > len(text)``, ``end < start`` or ``end == start``: nothing is clamped or swapped. A good
selection codes every turn whose *text* it overlaps by at least one character (the label and
time stamp before a turn's text do not count); a selection covering only part of a turn codes
the whole turn, one spanning several turns codes each, and both are counted in the summary.
A selection that overlaps no turn's text (the preamble, a label) codes nothing. Session-level
dimensions take any selection in the source (and codings of the whole source).
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from socialcoder.domain import coder_kinds
from socialcoder.domain.codebook import Codebook, Role, Unit
from socialcoder.domain.names import MAX_CODER, usable_name
from socialcoder.domain.rules import applies
from socialcoder.domain.transcript import ParsedSegment, ParsedTranscript
from socialcoder.errors import (
    ImportFormatError,
    Input,
    NoTurnsError,
    Remedy,
    UnknownSpeakersError,
    UserError,
)
from socialcoder.export.model import CONSENSUS
from socialcoder.export.refi_ext import ExtSource
from socialcoder.export.refi_read import RefiProject, RefiSelection, RefiSource
from socialcoder.export.refi_write import ROLES_PREFIX
from socialcoder.importers import parse_speaker_map, parse_text
from socialcoder.importers.speakers import SpeakerRole
from socialcoder.importers.text import looks_like_turn_line

UNKNOWN_USER = "refi-unknown-user"
PARTIAL = "cover part of a turn (coded on the whole turn)"
SPANNING = "span several turns (coded on each turn they overlap)"


@dataclass(slots=True)
class Turns:
    """One source's turns and where each turn's text lies: ``[starts[i], ends[i])``."""

    name: str
    transcript: ParsedTranscript
    starts: list[int]
    ends: list[int]

    @property
    def roles(self) -> list[Role]:
        return [s.role for s in self.transcript.segments]


@dataclass(slots=True)
class Plan:
    """Everything to store: ``rows`` (coder, transcript, segment or None, dimension) ->
    (value, memo); ``memos`` (coder, transcript, segment) -> segment memos."""

    sources: list[tuple[RefiSource, Turns]] = field(default_factory=list)
    rows: dict[tuple[str, str, int | None, str], tuple[str, str]] = field(default_factory=dict)
    memos: dict[tuple[str, str, int], list[str]] = field(default_factory=dict)
    coders: dict[str, str] = field(default_factory=dict)  # user GUID -> coder name
    working: set[str] = field(default_factory=set)  # coders with something imported
    skipped_sources: list[tuple[str, str]] = field(default_factory=list)
    unmapped: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    overlaps: dict[str, int] = field(default_factory=dict)
    used_notes: set[str] = field(default_factory=set)

    def count(self, table: dict[str, int], key: str, n: int = 1) -> None:
        table[key] = table.get(key, 0) + n

    def put(self, unit: tuple[str, str, int | None, str], value: str, memo: str) -> None:
        old = self.rows.get(unit)
        if old is not None and old[0] != value:
            where = "session" if unit[2] is None else f"segment {unit[2]}"
            self.conflicts.append(
                f"{unit[1]} {where}, {unit[0]}, {unit[3]}: {old[0]!r} kept, {value!r} not imported"
            )
            return
        memos = [m for m in (old[1] if old else "", memo) if m]
        self.rows[unit] = (value, "\n\n".join(dict.fromkeys(memos)))
        self.working.add(unit[0])


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _ext_turns(source: RefiSource, name: str, ext: ExtSource, label: str) -> Turns:
    text = source.text or ""
    segments = []
    for n, seg in enumerate(ext.segments, start=1):
        body = text[seg.start : seg.end]
        if seg.end > len(text) or not body.strip():
            raise UserError(
                f"{label}: turn {n} of the SocialCoder data lies outside the source text (the text "
                "was changed after export?); remove the socialcoder/ folder from the archive to "
                "import it as a project from another program"
            )
        segments.append(
            ParsedSegment(
                role=Role(seg.role), label=seg.label, text=body, start=seg.start_s, end=seg.end_s
            )
        )
    parsed = ParsedTranscript(
        source_name=ext.source_name,
        format=ext.format,
        segments=tuple(segments),
        content_hash=ext.content_hash,
        preamble=ext.preamble,
    )
    return Turns(name, parsed, [s.start for s in ext.segments], [s.end for s in ext.segments])


def _located(text: str, segments: list[ParsedSegment], label: str) -> tuple[list[int], list[int]]:
    """[start, end) of each turn's text in ``text``: its lines are found in order (each line of a
    parsed turn is a stripped line of the source, so offsets are those of the text as given)."""
    starts, ends = [], []
    cursor = 0
    for number, seg in enumerate(segments, start=1):
        first = None
        for line in seg.text.split("\n"):
            found = text.find(line, cursor)
            if found < 0:
                raise UserError(f"turn {number} cannot be located in the source text", source=label)
            first = found if first is None else first
            cursor = found + len(line)
        assert first is not None
        starts.append(first)
        ends.append(cursor)
    return starts, ends


def _one_speaker(text: str, role: Role) -> tuple[list[ParsedSegment], list[int], list[int]]:
    segments, starts, ends = [], [], []
    offset = 0
    for line in text.split("\n"):
        body = line.strip()
        if body:
            start = offset + (len(line) - len(line.lstrip()))
            segments.append(ParsedSegment(role, role.value.capitalize(), body))
            starts.append(start)
            ends.append(start + len(body))
        offset += len(line) + 1
    return segments, starts, ends


def source_turns(
    source: RefiSource,
    name: str,
    given: Mapping[str, SpeakerRole],
    one_speaker: Role | None,
    ext: ExtSource | None,
    where: str,
) -> Turns:
    """The turns of one text source (see the module doc)."""
    label = f"{where}: source {source.name!r}"
    if ext is not None:
        return _ext_turns(source, name, ext, label)
    text = source.text or ""
    speaker_map: dict[str, SpeakerRole] = {}
    for line in source.description.splitlines():
        if line.startswith(ROLES_PREFIX) and line[len(ROLES_PREFIX) :].strip():
            try:
                speaker_map = parse_speaker_map(line[len(ROLES_PREFIX) :])
            except UserError:
                speaker_map = {}
    speaker_map.update(given)
    digest = content_hash(text)
    try:
        segments, preamble = parse_text(text, source_name=label, speaker_map=speaker_map)
    except UnknownSpeakersError:
        raise
    except ImportFormatError as exc:
        labelled = any(looks_like_turn_line(line) for line in text.splitlines())
        if labelled and not isinstance(exc, NoTurnsError):
            raise
        if one_speaker is None:
            raise UserError(
                f"{exc.message}; a text without speaker labels is read as one speaker's when "
                "told whose it is",
                source=label,
                remedy=(*exc.remedies, Remedy.give(Input.ONE_SPEAKER)),
            ) from None
        segments, starts, ends = _one_speaker(text, one_speaker)
        if not segments:
            raise UserError("the text is empty", source=label) from None
        segments = _synced(segments, starts, ends, source.sync_points)
        parsed = ParsedTranscript(
            source_name=source.name,
            format="refi-qda",
            segments=tuple(segments),
            content_hash=digest,
            preamble="",
        )
        return Turns(name, parsed, starts, ends)
    starts, ends = _located(text, segments, label)
    segments = _synced(segments, starts, ends, source.sync_points)
    parsed = ParsedTranscript(
        source_name=source.name,
        format="refi-qda",
        segments=tuple(segments),
        content_hash=digest,
        preamble=preamble,
    )
    return Turns(name, parsed, starts, ends)


def _synced(
    segments: list[ParsedSegment],
    starts: list[int],
    ends: list[int],
    sync_points: tuple[tuple[int, int | None], ...],
) -> list[ParsedSegment]:
    """The turns with the times their sync points give (see the module doc)."""
    timed = [(p, ms / 1000) for p, ms in sync_points if ms is not None and ms >= 0]
    if not timed:
        return segments
    positions = [p for p, _ in timed]
    out = []
    latest = None
    for i, seg in enumerate(segments):
        start, end = seg.start, seg.end
        if start is None:
            lo = bisect_right(positions, ends[i - 1]) if i else 0
            hi = bisect_right(positions, starts[i])
            if hi > lo and (latest is None or timed[hi - 1][1] >= latest):
                start = timed[hi - 1][1]
        if end is None:
            at = bisect_right(positions, ends[i]) - 1
            if at >= 0 and positions[at] == ends[i] and (start is None or timed[at][1] >= start):
                end = timed[at][1]
        latest = start if start is not None else latest
        out.append(replace(seg, start=start, end=end))
    return out


def check_span(selection: RefiSelection, length: int) -> str:
    """Why a selection cannot be used ('' when it can)."""
    if selection.problem:
        return selection.problem
    start, end = selection.start, selection.end
    assert start is not None and end is not None
    if start < 0:
        return f"it starts before the text (startPosition {start})"
    if end < start:
        return f"it ends before it starts (startPosition {start} > endPosition {end})"
    if end > length:
        return f"it ends after the text (endPosition {end}; the text has {length} characters)"
    if end == start:
        return "it selects no text (startPosition = endPosition)"
    return ""


def turns_hit(turns: Turns, start: int, end: int) -> list[int]:
    """0-based turns whose text ``[start, end)`` overlaps."""
    first = max(bisect_right(turns.starts, start) - 1, 0)
    hit = []
    for i in range(first, len(turns.starts)):
        if turns.starts[i] >= end:
            break
        if turns.ends[i] > start:
            hit.append(i)
    return hit


def plan_source(
    plan: Plan,
    project: RefiProject,
    codebook: Codebook,
    targets: Mapping[str, tuple[str, str]],
    source: RefiSource,
    turns: Turns,
    user: UserNames,
) -> None:
    """Add one source's codings, memos and refusals to ``plan``."""
    text = source.text or ""
    roles = turns.roles
    name = turns.name

    def code_path(guid: str) -> str:
        code = project.codes.get(guid)
        return "/".join(code.path) if code else f"(unknown code {guid})"

    for coding in source.codings:  # codings of the whole source
        target = targets.get(coding.code)
        if target is None:
            plan.count(plan.unmapped, code_path(coding.code))
        elif codebook.dimension(target[0]).unit is not Unit.SESSION:
            plan.count(plan.skipped, f"whole-source coding on segment-level dimension {target[0]}")
        else:
            memo = _notes(project, coding.notes, plan)
            plan.put((user(coding.user), name, None, target[0]), target[1], memo)
    for sel in source.selections:
        problem = check_span(sel, len(text))
        if problem:
            what = f"{len(sel.codings)} coding(s)" if sel.codings else "a memo"
            plan.rejected.append(
                f"source {source.name!r}, selection {sel.start}..{sel.end}: {problem}; {what} not imported"
            )
            continue
        assert sel.start is not None and sel.end is not None
        hit = turns_hit(turns, sel.start, sel.end)
        on_segments = False
        for coding in sel.codings:
            target = targets.get(coding.code)
            if target is None:
                plan.count(plan.unmapped, code_path(coding.code))
                continue
            key, value = target
            dim = codebook.dimension(key)
            coder = user(coding.user or sel.user)
            own = sel.user is None or coding.user in (None, sel.user) or len(sel.codings) == 1
            memo = "\n\n".join(
                dict.fromkeys(
                    m
                    for m in ((sel.description if own else ""), _notes(project, coding.notes, plan))
                    if m
                )
            )
            if dim.unit is Unit.SESSION:
                plan.put((coder, name, None, key), value, memo)
                continue
            idxs = [i + 1 for i in hit if applies(dim, roles[i])]
            if not hit:
                plan.count(
                    plan.skipped,
                    "selection outside every turn's text (e.g. in the preamble or a label)",
                )
            elif not idxs:
                plan.count(
                    plan.skipped, f"{key} does not apply to the speaker of the selected turn(s)"
                )
            for idx in idxs:
                plan.put((coder, name, idx, key), value, memo)
                on_segments = True
        if on_segments and len(hit) > 1:
            plan.count(plan.overlaps, SPANNING)
        elif on_segments and (sel.start > turns.starts[hit[0]] or sel.end < turns.ends[hit[0]]):
            plan.count(plan.overlaps, PARTIAL)
        memos = ([sel.description] if not sel.codings and sel.description else []) + [
            project.notes[n].text for n in sel.notes if n in project.notes and project.notes[n].text
        ]
        if memos and hit:
            owner = user(
                sel.user
                or next((project.notes[n].user for n in sel.notes if n in project.notes), None)
            )
            _memo(plan, (owner, name, hit[0] + 1), memos)
            plan.used_notes.update(sel.notes)
        elif memos:
            plan.count(plan.skipped, "memo on a selection outside every turn's text")
    for note_guid in source.notes:  # QualCoder's annotations: a note holding a selection
        note = project.notes.get(note_guid)
        if note is None or note.span is None or not note.text:
            continue
        start, end = note.span
        hit = turns_hit(turns, start, end) if 0 <= start < end <= len(text) else []
        if hit:
            _memo(plan, (user(note.user), name, hit[0] + 1), [note.text])
            plan.used_notes.add(note_guid)


def _notes(project: RefiProject, refs: tuple[str, ...], plan: Plan) -> str:
    plan.used_notes.update(refs)
    return "\n\n".join(t for n in refs if n in project.notes and (t := project.notes[n].text))


def _memo(plan: Plan, key: tuple[str, str, int], texts: list[str]) -> None:
    have = plan.memos.setdefault(key, [])
    for text in texts:
        if text not in have:
            have.append(text)
    plan.working.add(key[0])


class UserNames:
    """Coder names for user GUIDs (a user that codes nothing never becomes a coder)."""

    def __init__(self, plan: Plan, users: Mapping[str, str]) -> None:
        self.plan = plan
        self.taken: set[str] = set()
        for guid, raw in users.items():
            plan.coders[guid] = self._free(coder_name(raw, guid))

    def _free(self, name: str) -> str:
        while name.casefold() in self.taken:
            name += "_"
        self.taken.add(name.casefold())
        return name

    def __call__(self, guid: str | None) -> str:
        if guid is None:
            return UNKNOWN_USER
        if guid not in self.plan.coders:
            self.plan.coders[guid] = self._free(f"user-{guid[:8]}")
        return self.plan.coders[guid]


def coder_name(raw: str, guid: str) -> str:
    """A user's name as a coder name (:func:`socialcoder.domain.names.usable_name`:
    separators become ``_``, a reserved word or a name formed like a retest pass or a machine
    coder gets a ``_``); a user named ``consensus`` (any case) is the consensus layer, as
    SocialCoder exports it."""
    name = usable_name(raw, "coder", keep=frozenset({CONSENSUS}))  # the rule for names
    if name.casefold() == CONSENSUS:
        return CONSENSUS
    if coder_kinds.kind_by_form(name) is not None:  # a person named like a retest pass or a
        name = name[: MAX_CODER - 1] + "_"  # machine coder (SocialCoder never exports those)
    return name or f"user-{guid[:8]}"
