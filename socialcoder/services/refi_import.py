"""Importing a REFI-QDA project (.qdpx) into a NEW study.

Text sources become transcripts (read by the plain-text importer, so lines ``Label: text``
become turns), users become coders, codes map to dimensions (see
:mod:`socialcoder.export.refi_mapping`), and each coding goes to every segment its selection
overlaps (where the dimension applies). Code memos and selection memos come along. Everything is
read and checked before the study is created; the study is built under a temporary name and
renamed at the end, so a refusal leaves no file behind. Whatever cannot be used is listed in the
summary, never dropped silently.
"""

from __future__ import annotations

import csv
import os
import re
import tempfile
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from socialcoder.codebooks import DEFAULT_CODEBOOK_PATH, load_codebook
from socialcoder.domain.codebook import Codebook, Role, Unit
from socialcoder.errors import StudyError, UserError
from socialcoder.export.refi_mapping import read_mapping, resolve_codes
from socialcoder.export.refi_read import RefiProject, RefiSource, read_qdpx
from socialcoder.export.refi_write import ROLES_PREFIX
from socialcoder.importers import parse_speaker_map, parse_text
from socialcoder.services.coders import add_coders
from socialcoder.services.codes_csv import import_codes_csv
from socialcoder.services.study import create_study
from socialcoder.services.transcript_import import ImportItem, import_transcripts
from socialcoder.storage import db

_BAD_NAME = re.compile(r"[,;=\r\n]")


@dataclass(frozen=True, slots=True)
class RefiImportSummary:
    study: Path
    transcripts: int
    segments: int
    coders: tuple[str, ...]
    codes: int
    memos: int
    unmapped_codes: tuple[tuple[str, int], ...] = ()  # (code path, codings)
    skipped_sources: tuple[tuple[str, str], ...] = ()  # (name, reason)
    skipped_codings: tuple[tuple[str, int], ...] = ()  # (reason, count)
    conflicts: tuple[str, ...] = ()
    notes_not_imported: int = 0


@dataclass(slots=True)
class _Turns:
    """One source's turns: roles and [start, end) spans in the source text."""

    name: str
    roles: list[Role]
    starts: list[int]
    ends: list[int]
    speaker_map: dict[str, Role] = field(default_factory=dict)


def _turn_starts(text: str, segments: list[str], label: str) -> list[int]:
    """Start offset (code points, in ``text``) of the line where each turn's text begins.

    Turns are found in order by the first line of their text, so the offsets are those of the
    text as given (a CRLF stays two code points)."""
    starts = []
    cursor = 0
    for number, seg in enumerate(segments, start=1):
        first = seg.split("\n", 1)[0]
        found = text.find(first, cursor)
        if found < 0:
            raise UserError(f"turn {number} cannot be located in the source text", source=label)
        line_start = max(text.rfind("\n", 0, found), text.rfind("\r", 0, found)) + 1
        starts.append(max(line_start, starts[-1] + 1 if starts else 0))
        cursor = found + len(first)
    return starts


def _speaker_map(source: RefiSource, given: Mapping[str, Role]) -> dict[str, Role]:
    found: dict[str, Role] = {}
    for line in source.description.splitlines():
        if line.startswith(ROLES_PREFIX) and line[len(ROLES_PREFIX) :].strip():
            try:
                found = parse_speaker_map(line[len(ROLES_PREFIX) :])
            except UserError:
                found = {}
    return {**found, **given}


def _turns(source: RefiSource, name: str, given: Mapping[str, Role], where: str) -> _Turns:
    text = source.text or ""
    speaker_map = _speaker_map(source, given)
    label = f"{where}: source {source.name!r}"
    segments, _ = parse_text(text, source_name=label, speaker_map=speaker_map)
    starts = _turn_starts(text, [s.text for s in segments], label)
    ends = [*starts[1:], len(text)]
    return _Turns(name, [s.role for s in segments], starts, ends, speaker_map)


def _unique_name(raw: str, taken: set[str]) -> str:
    base = re.sub(r"[\\/:*?\"<>|\r\n\t]", "_", raw.strip())[:190] or "source"
    name, n = base, 1
    while name.casefold() in taken:
        n += 1
        name = f"{base}_{n}"
    taken.add(name.casefold())
    return name


def _coder_name(raw: str, guid: str) -> str:
    name = _BAD_NAME.sub("_", raw.strip())[:100].strip()
    return name or f"user-{guid[:8]}"


def _int_or_none(text: str | None) -> int | None:
    try:
        return int(text) if text not in (None, "") else None
    except ValueError:
        return None


def _date_or_none(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


@dataclass(slots=True)
class _Plan:
    """Everything to store, worked out before the study exists."""

    sources: list[tuple[RefiSource, _Turns, dict[str, str | None]]] = field(default_factory=list)
    rows: dict[tuple[str, str, int | None, str], tuple[str, str]] = field(default_factory=dict)
    memos: dict[tuple[str, str, int], list[str]] = field(default_factory=dict)
    coders: dict[str, str] = field(default_factory=dict)  # user GUID -> coder name
    skipped_sources: list[tuple[str, str]] = field(default_factory=list)
    unmapped: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)
    used_notes: set[str] = field(default_factory=set)


def _plan(
    project: RefiProject,
    codebook: Codebook,
    targets: dict[str, tuple[str, str]],
    speaker_map: Mapping[str, Role],
    where: str,
) -> _Plan:
    plan = _Plan()
    taken_coders: set[str] = set()
    for guid, raw in project.users.items():
        name = _coder_name(raw, guid)
        while name.casefold() in taken_coders:
            name += "_"
        taken_coders.add(name.casefold())
        plan.coders[guid] = name
    case_of = {g: case for case, refs in project.cases.items() for g in refs}
    taken: set[str] = set()
    for source in project.sources:
        if source.text is None:
            plan.skipped_sources.append(
                (source.name, source.problem or f"{source.kind} sources are not imported")
            )
            continue
        name = _unique_name(source.name, taken)
        turns = _turns(source, name, speaker_map, where)
        meta = {
            "participant": source.variables.get("participant") or case_of.get(source.guid),
            "therapist": source.variables.get("therapist"),
            "session": source.variables.get("session"),
            "date": source.variables.get("date"),
        }
        plan.sources.append((source, turns, meta))
        _plan_codings(plan, project, codebook, targets, source, turns)
    plan.unmapped = dict(sorted(plan.unmapped.items()))
    return plan


def _user(plan: _Plan, guid: str | None) -> str:
    if guid is None:
        guid = "00000000-unknown"
    if guid not in plan.coders:
        plan.coders[guid] = "refi-unknown-user" if guid.endswith("unknown") else f"user-{guid[:8]}"
    return plan.coders[guid]


def _plan_codings(
    plan: _Plan,
    project: RefiProject,
    codebook: Codebook,
    targets: dict[str, tuple[str, str]],
    source: RefiSource,
    turns: _Turns,
) -> None:
    def skip(reason: str) -> None:
        plan.skipped[reason] = plan.skipped.get(reason, 0) + 1

    def code_path(guid: str) -> str:
        code = project.codes.get(guid)
        return "/".join(code.path) if code else f"(unknown code {guid})"

    units = [(0, len(source.text or ""), None, source.codings, ())] + [
        (s.start, s.end, s.user, s.codings, s.notes) for s in source.selections
    ]
    for number, (start, end, sel_user, codings, notes) in enumerate(units):
        whole = number == 0
        first = bisect_right(turns.starts, start) - 1
        hit = []
        for i in range(max(first, 0), len(turns.starts)):
            if turns.starts[i] >= max(end, start + 1):
                break
            if turns.ends[i] > start:
                hit.append(i)
        for coding in codings:
            target = targets.get(coding.code)
            if target is None:
                path = code_path(coding.code)
                plan.unmapped[path] = plan.unmapped.get(path, 0) + 1
                continue
            key, value = target
            dim = codebook.dimension(key)
            coder = _user(plan, coding.user or sel_user)
            memo = (
                "\n".join(project.notes[n].text for n in coding.notes if n in project.notes) or None
            )
            plan.used_notes.update(coding.notes)
            if dim.unit is Unit.SESSION:
                idxs: list[int | None] = [None]
            elif whole:
                skip(f"whole-source coding on segment-level dimension {key}")
                continue
            else:
                idxs = [i + 1 for i in hit if dim.applies(turns.roles[i])]
                if not hit:
                    skip("selection outside every turn (e.g. in the preamble)")
                elif not idxs:
                    skip(f"{key} does not apply to the speaker of the selected turn(s)")
            for idx in idxs:
                unit = (coder, turns.name, idx, key)
                old = plan.rows.get(unit)
                if old is not None and old[0] != value:
                    where_ = "session" if idx is None else f"segment {idx}"
                    plan.conflicts.append(
                        f"{turns.name} {where_}, {coder}, {key}: {old[0]!r} kept, {value!r} not imported"
                    )
                    continue
                if old is None or (memo and not old[1]):
                    plan.rows[unit] = (value, memo or (old[1] if old else ""))
        for note in notes:
            if note not in project.notes or not hit:
                continue
            n = project.notes[note]
            coder = _user(plan, n.user or sel_user)
            plan.memos.setdefault((coder, turns.name, hit[0] + 1), []).append(n.text)
            plan.used_notes.add(note)


def import_refi(
    path: Path,
    target: Path,
    *,
    mapping: Path | None = None,
    codebook: Path | None = None,
    speaker_map: Mapping[str, Role] | None = None,
    complete: bool = True,
) -> RefiImportSummary:
    """Create the study ``target`` from the project ``path`` (see the module doc).

    ``complete`` marks every (coder, transcript) with codes complete, since REFI-QDA codings
    mark presence (an uncoded turn is absent)."""
    target = Path(target)
    if db.is_url(str(target)):
        raise StudyError(
            "import-refi creates a study file; give a path, not a database URL", source=str(target)
        )
    if target.exists():
        raise StudyError("already exists; SocialCoder never overwrites a study", source=target)
    if not target.parent.exists():
        raise StudyError(f"folder {target.parent} does not exist", source=target)
    codebook_path = Path(codebook) if codebook else DEFAULT_CODEBOOK_PATH
    book = load_codebook(codebook_path)
    project = read_qdpx(Path(path))
    table = read_mapping(Path(mapping), book) if mapping else None
    targets = resolve_codes(project.codes, book, table)
    plan = _plan(project, book, targets, speaker_map or {}, str(path))
    if not plan.sources:
        raise UserError("the project holds no text source that can be imported", source=str(path))
    tmp = target.with_name(f".{target.name}.{os.getpid()}.importing")
    try:
        summary = _store(plan, tmp, codebook_path, project, complete, target)
        os.replace(tmp, target)
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(tmp) + suffix).unlink(missing_ok=True)
    return summary


def _store(
    plan: _Plan, tmp: Path, codebook_path: Path, project: RefiProject, complete: bool, target: Path
) -> RefiImportSummary:
    with tempfile.TemporaryDirectory(prefix="socialcoder-refi-") as work_dir:
        work = Path(work_dir)
        items = []
        for n, (source, turns, meta) in enumerate(plan.sources):
            file = work / f"{n:05d}.txt"
            file.write_text(source.text or "", encoding="utf-8", newline="")
            items.append(
                ImportItem(
                    path=file,
                    name=turns.name,
                    participant=meta["participant"] or None,
                    therapist=meta["therapist"] or None,
                    session=_int_or_none(meta["session"]),
                    date=_date_or_none(meta["date"]),
                    speaker_map=turns.speaker_map,
                )
            )
        codes_csv = work / "codes.csv"
        with codes_csv.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(("transcript", "segment", "coder", "dimension", "value", "memo"))
            for (coder, name, idx, key), (value, memo) in plan.rows.items():
                writer.writerow((name, "" if idx is None else idx, coder, key, value, memo))
            for (coder, name, idx), texts in plan.memos.items():
                writer.writerow((name, idx, coder, "", "", "\n\n".join(texts)))
        with create_study(
            tmp, codebook_path=codebook_path, name=project.name or target.stem
        ) as study:
            imported = import_transcripts(study, items)
            for (_, turns, _), done in zip(plan.sources, imported.transcripts, strict=True):
                if done.segments != len(turns.roles):
                    raise UserError(
                        f"source {turns.name!r} gave {done.segments} turns on import, "
                        f"expected {len(turns.roles)}"
                    )
            coders = sorted(set(plan.coders.values()) - {"consensus"})
            if coders:
                add_coders(study, coders)
            codes = (
                import_codes_csv(study, codes_csv, complete=complete)
                if plan.rows or plan.memos
                else None
            )
    return RefiImportSummary(
        study=target,
        transcripts=len(imported.transcripts),
        segments=imported.segments,
        coders=tuple(sorted(set(plan.coders.values()))),
        codes=codes.inserted if codes else 0,
        memos=codes.memos if codes else 0,
        unmapped_codes=tuple(plan.unmapped.items()),
        skipped_sources=tuple(plan.skipped_sources),
        skipped_codings=tuple(sorted(plan.skipped.items())),
        conflicts=tuple(plan.conflicts),
        notes_not_imported=len(set(project.notes) - plan.used_notes),
    )
