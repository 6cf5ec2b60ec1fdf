"""Importing a REFI-QDA project (.qdpx) into a NEW study.

* **Codebook.** ``--codebook FILE`` (codes matched by name or by ``--mapping``); otherwise a
  project written by SocialCoder brings its own codebook (``socialcoder/codebook.yaml``), and a
  project from another program gets a codebook built from its code tree
  (:mod:`socialcoder.export.refi_codebook`), so no code is dropped by default.
* **Turns** and **selections**: see :mod:`socialcoder.services.refi_plan` (selections outside
  the text are refused with their reason, never clamped; partial overlaps are counted).
* **Coders**: a user becomes a coder only when something of theirs is imported (a source's
  owner with no codings does not); a SocialCoder project brings back all its coders. A user
  named ``consensus`` is the consensus layer (that is how SocialCoder exports it).
* **Completion**: a SocialCoder project brings back its completions; another program's
  project marks nothing complete (its coding need not be exhaustive) unless ``complete=True``
  (``--complete``); ``complete=False`` (``--no-complete``) marks nothing in either case.
* **Memos**: a selection's ``Description`` (QualCoder, MAXQDA) and the notes referenced from a
  coding are the code's memo; notes on a selection, a selection without codings (an annotation)
  and QualCoder's annotation notes are segment memos of the first turn they overlap.

Everything is read and checked before the study is created; the study is built under a
temporary name and renamed at the end, so a refusal leaves no file behind. Whatever cannot be
used is listed in the summary, never dropped silently.
"""

from __future__ import annotations

import csv
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from socialcoder.codebooks import codebook_to_yaml, load_codebook, parse_codebook
from socialcoder.domain.codebook import Codebook, Role, Scale, Unit
from socialcoder.domain.names import usable_name
from socialcoder.domain.rules import applies
from socialcoder.errors import Conflict, StudyError, UserError
from socialcoder.export.refi_codebook import build_codebook
from socialcoder.export.refi_ext import CODEBOOK_YAML, RefiExtension
from socialcoder.export.refi_mapping import check_mapping, read_mapping, resolve_codes
from socialcoder.export.refi_read import RefiProject, RefiSource, read_qdpx
from socialcoder.export.refi_write import ROLES_PREFIX
from socialcoder.importers.speakers import SpeakerRole
from socialcoder.services.assignments import assign
from socialcoder.services.coders import add_coders
from socialcoder.services.codes_csv import import_codes_csv
from socialcoder.services.coding import set_completed
from socialcoder.services.media import note_recording_path
from socialcoder.services.refi_plan import Plan, UserNames, plan_source, source_turns
from socialcoder.services.study import CONSENSUS, create_study
from socialcoder.services.transcript_import import ImportItem, import_transcripts
from socialcoder.storage import db


@dataclass(frozen=True, slots=True)
class RefiImportSummary:
    study: Path
    transcripts: int
    segments: int
    coders: tuple[str, ...]
    codes: int
    memos: int  # segment memos
    unmapped_codes: tuple[tuple[str, int], ...] = ()  # (code path, codings)
    skipped_sources: tuple[tuple[str, str], ...] = ()  # (name, reason)
    skipped_codings: tuple[tuple[str, int], ...] = ()  # (reason, count)
    conflicts: tuple[str, ...] = ()
    notes_not_imported: int = 0
    codebook: str = ""  # where the codebook came from
    completion: str = ""  # which completion rule applied, and how many pairs it marked
    completed: int = 0
    rejected_selections: tuple[str, ...] = ()  # each with its reason
    partial_selections: tuple[tuple[str, int], ...] = ()  # (kind, selections)
    users_without_codes: tuple[str, ...] = ()  # users who did not become coders
    not_imported: tuple[str, ...] = ()  # cases, variables, source memos that have no place
    code_memos: int = 0  # codes that came with a memo


def _unique_name(raw: str, taken: set[str]) -> str:
    base = usable_name(re.sub(r"[\\/:*?\"<>|]", "_", raw.strip())[:190], "transcript")
    base = base or "source"
    name, n = base, 1
    while name.casefold() in taken:
        n += 1
        name = f"{base}_{n}"
    taken.add(name.casefold())
    return name


def _int_or_none(text: str | None) -> int | None:
    try:
        number = float(text) if text else None
    except ValueError:
        return None
    return int(number) if number is not None and number.is_integer() and number >= 0 else None


def _date_or_none(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class _Book:
    codebook: Codebook
    yaml: str
    targets: dict[str, tuple[str, str]]
    origin: str
    parents: dict[str, str]  # categorical code GUID -> dimension (built codebooks)


def _codebook(
    project: RefiProject, path: Path, codebook: Path | None, mapping: Path | None
) -> _Book:
    entries = read_mapping(Path(mapping)) if mapping else {}
    ext = project.extension
    if codebook is not None or ext is not None:
        if codebook is not None:
            book = load_codebook(Path(codebook))
            text = Path(codebook).read_text(encoding="utf-8-sig")
            origin = f"from {codebook}"
        else:
            assert ext is not None
            text = ext.codebook_yaml
            book = parse_codebook(text, source=f"{path} ({CODEBOOK_YAML})")
            origin = (
                f"the study's own codebook {book.name!r} {book.version} (carried in the project)"
            )
        table = check_mapping(entries, book, str(mapping)) if entries else None
        return _Book(
            codebook=book,
            yaml=text,
            targets=resolve_codes(project.codes, book, table),
            origin=origin,
            parents={},
        )
    built = build_codebook(project.codes, entries, project.name, str(mapping or path))
    n = len(built.codebook.dimensions)
    origin = f"built from the project's codes: {n} dimension(s) (no codebook given)"
    return _Book(
        codebook=built.codebook,
        yaml=codebook_to_yaml(built.codebook),
        targets=built.targets,
        origin=origin,
        parents=built.categorical_parents,
    )


def _meta(source: RefiSource, case_of: Mapping[str, str]) -> dict[str, str | None]:
    return {
        "participant": source.variable("participant") or case_of.get(source.guid),
        "therapist": source.variable("therapist"),
        "session": source.variable("session"),
        "date": source.variable("date"),
    }


def _plan(
    project: RefiProject,
    book: _Book,
    speaker_map: Mapping[str, SpeakerRole],
    one_speaker: Role | None,
    where: str,
) -> Plan:
    plan = Plan()
    ext = project.extension
    names = UserNames(plan, project.users)
    taken: set[str] = set()
    for source in project.sources:
        ext_source = ext.source(source.guid) if ext else None
        if source.text is None:
            if ext_source is not None:
                raise UserError(
                    f"source {source.name!r} of the SocialCoder data has no text ({source.problem})",
                    source=where,
                )
            plan.skipped_sources.append(
                (source.name, source.problem or f"{source.kind} sources are not imported")
            )
            continue
        name = ext_source.transcript if ext_source else source.name
        turns = source_turns(
            source, _unique_name(name, taken), speaker_map, one_speaker, ext_source, where
        )
        plan.sources.append((source, turns))
        plan_source(plan, project, book.codebook, book.targets, source, turns, names)
    if ext is not None:
        _plan_extension(plan, ext, book.codebook, where)
    for guid, key in book.parents.items():
        path = "/".join(project.codes[guid].path)
        if path in plan.unmapped:
            plan.count(
                plan.skipped,
                f"coding of {path!r} itself (its child codes are the values of {key})",
                plan.unmapped.pop(path),
            )
    plan.unmapped = dict(sorted(plan.unmapped.items()))
    return plan


def _plan_extension(plan: Plan, ext: RefiExtension, codebook: Codebook, where: str) -> None:
    """Explicit absent codes and coders from SocialCoder's own data."""
    known = {s.guid for s, _ in plan.sources}
    missing = [s.transcript for s in ext.sources if s.guid not in known]
    if missing:
        raise UserError(
            f"the SocialCoder data name source(s) the project does not hold: {', '.join(missing)}",
            source=where,
        )
    turns_of = {s.guid: t for s, t in plan.sources}
    plan.working.update(c.name for c in ext.coders)
    for a in ext.absent:
        turns = turns_of[a.source]
        dim = codebook.dimension(a.dimension) if codebook.has(a.dimension) else None
        session = a.segment is None
        if dim is None or dim.scale is not Scale.BINARY:
            plan.count(plan.unmapped, f"{a.dimension} = 0 (absent, from the SocialCoder data)")
        elif (dim.unit is Unit.SESSION) != session or (
            a.segment is not None
            and (a.segment > len(turns.roles) or not applies(dim, turns.roles[a.segment - 1]))
        ):
            plan.count(plan.skipped, f"absent code of {a.dimension} on a unit it does not apply to")
        else:
            plan.put((a.coder, turns.name, a.segment, a.dimension), "0", a.memo or "")


def import_refi(
    path: Path,
    target: Path,
    *,
    mapping: Path | None = None,
    codebook: Path | None = None,
    speaker_map: Mapping[str, SpeakerRole] | None = None,
    complete: bool | None = None,
    one_speaker: Role | None = None,
) -> RefiImportSummary:
    """Create the study ``target`` from the project ``path`` (see the module doc)."""
    target = Path(target)
    if db.is_url(str(target)):
        raise StudyError(
            "import-refi creates a study file; give a path, not a database URL", source=str(target)
        )
    if target.exists():
        raise Conflict("already exists; SocialCoder never overwrites a study", source=target)
    if not target.parent.exists():
        raise StudyError(f"folder {target.parent} does not exist", source=target)
    project = read_qdpx(Path(path))
    book = _codebook(project, Path(path), codebook, mapping)
    plan = _plan(project, book, speaker_map or {}, one_speaker, str(path))
    if not plan.sources:
        raise UserError("the project holds no text source that can be imported", source=str(path))
    tmp = target.with_name(f".{target.name}.{os.getpid()}.importing")
    try:
        summary = _store(plan, tmp, book, project, complete, target)
        os.replace(tmp, target)
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(tmp) + suffix).unlink(missing_ok=True)
    return summary


def _completions(
    plan: Plan, project: RefiProject, complete: bool | None
) -> tuple[set[tuple[str, str]], str]:
    """(coder, transcript) pairs to mark complete, and the rule that chose them."""
    ext = project.extension
    names = {s.guid: t.name for s, t in plan.sources}
    carried = {(c, names[s]) for c, s in ext.completions} if ext else set()
    coded = {(c, t) for c, t, _, _ in plan.rows} | {(c, t) for c, t, _ in plan.memos}
    if complete is False:
        return set(), "none marked complete (as asked)"
    if complete:
        pairs = coded | carried
        return (
            pairs,
            f"{len(pairs)} (coder, transcript) pair(s) with codes marked complete (as asked)",
        )
    if ext is not None:
        return (
            carried,
            f"{len(carried)} (coder, transcript) pair(s) complete, as in the SocialCoder study",
        )
    return set(), (
        "none marked complete (the default for projects from other programs, whose coding need "
        "not be exhaustive: uncoded turns stay 'not coded yet' unless the import is asked to "
        "mark them complete)"
    )


def _not_imported(project: RefiProject, plan: Plan) -> list[str]:
    lines = []
    read = {"participant", "therapist", "session", "date"}
    imported = {s.guid for s, _ in plan.sources}
    extra: dict[str, int] = {}
    memos = 0
    for source in project.sources:
        if source.guid not in imported:
            continue
        for name in source.variables:
            if name.casefold() not in read:
                extra[name] = extra.get(name, 0) + 1
        own = [
            line
            for line in source.description.splitlines()
            if line.strip() and not line.startswith(ROLES_PREFIX)
        ]
        memos += bool(own)
    if extra:
        lines.append(
            "source variable(s) "
            + ", ".join(f"{k!r} ({n} source(s))" for k, n in sorted(extra.items()))
            + ": only participant, therapist, session and date are read"
        )
    if memos:
        lines.append(
            f"{memos} source memo(s) (descriptions): SocialCoder keeps no memo on a transcript"
        )
    timed = sum(s.media_selections for s in project.sources if s.guid in imported)
    if timed:
        lines.append(
            f"{timed} audio/video selection(s) (codes on a time range of a recording): "
            "SocialCoder codes turns of a transcript"
        )
    case_vars = sorted({v for c in project.cases for v in c.variables})
    if case_vars:
        lines.append(
            f"case variable(s) {', '.join(map(repr, case_vars))}: SocialCoder has no "
            "participant-level variables (cases give only the participant of their sources)"
        )
    case_memos = [c.name for c in project.cases if c.description]
    if case_memos:
        lines.append(f"memo(s) of case(s) {', '.join(map(repr, case_memos))}")
    return lines


def _store(
    plan: Plan, tmp: Path, book: _Book, project: RefiProject, complete: bool | None, target: Path
) -> RefiImportSummary:
    case_of = {g: c.name for c in reversed(project.cases) for g in c.sources if c.name}
    ext = project.extension
    pairs, rule = _completions(plan, project, complete)
    with tempfile.TemporaryDirectory(prefix="socialcoder-refi-") as work_dir:
        work = Path(work_dir)
        items = []
        for source, turns in plan.sources:
            meta = _meta(source, case_of)
            ext_source = ext.source(source.guid) if ext else None
            items.append(
                ImportItem(
                    path=Path(str(project.name or "project")),
                    name=turns.name,
                    participant=meta["participant"] or None,
                    therapist=meta["therapist"] or None,
                    session=_int_or_none(meta["session"]),
                    date=_date_or_none(meta["date"]),
                    parsed=turns.transcript,
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
        book_file = work / "codebook.yaml"
        book_file.write_text(book.yaml, encoding="utf-8")
        working = plan.working | {c for c, _ in pairs}
        with create_study(tmp, codebook_path=book_file, name=project.name or target.stem) as study:
            imported = import_transcripts(study, items)
            for source, turns in plan.sources:
                ext_source = ext.source(source.guid) if ext else None
                # where the media file was on the exporting machine, else as its study kept it
                media = source.media_path or (ext_source.media_path if ext_source else None)
                if media:
                    note_recording_path(study, turns.name, media)
            coders = sorted(working - {CONSENSUS})
            if coders:
                add_coders(study, coders)
            codes = import_codes_csv(study, codes_csv) if plan.rows or plan.memos else None
            for coder, transcript in sorted(pairs):
                set_completed(study, coder=coder, transcript=transcript)
            names = {s.guid: t.name for s, t in plan.sources}
            for coder, guid, purpose in ext.assignments if ext else ():
                assign(study, coder=coder, transcript=names[guid], purpose=purpose)
    idle = sorted(n for g, n in plan.coders.items() if n not in working)
    return RefiImportSummary(
        study=target,
        transcripts=len(imported.transcripts),
        segments=imported.segments,
        coders=tuple(sorted(working)),
        codes=codes.inserted if codes else 0,
        memos=codes.memos if codes else 0,
        unmapped_codes=tuple(plan.unmapped.items()),
        skipped_sources=tuple(plan.skipped_sources),
        skipped_codings=tuple(sorted(plan.skipped.items())),
        conflicts=tuple(plan.conflicts),
        notes_not_imported=len(set(project.notes) - plan.used_notes),
        codebook=book.origin,
        completion=rule,
        completed=len(pairs),
        rejected_selections=tuple(plan.rejected),
        partial_selections=tuple(sorted(plan.overlaps.items())),
        users_without_codes=tuple(idle),
        not_imported=tuple(_not_imported(project, plan)),
        code_memos=sum(1 for _, memo in plan.rows.values() if memo),
    )


def summary_lines(summary: RefiImportSummary) -> tuple[str, list[str]]:
    """(headline, detail lines) of an import, as the command line and the window show them."""
    head = (
        f"Created {summary.study}: {summary.transcripts} transcript(s), {summary.segments} "
        f"segment(s), coders {', '.join(summary.coders) or 'none'}; {summary.codes} code(s) "
        f"({summary.code_memos} with a memo), {summary.memos} segment memo(s)."
    )
    lines = [f"codebook: {summary.codebook}", f"completion: {summary.completion}"]
    lines += [
        f"not imported: {n} coding(s) of code {path!r} (not mapped to any dimension)"
        for path, n in summary.unmapped_codes
    ]
    lines += [
        f"not imported: source {name!r}: {reason}" for name, reason in summary.skipped_sources
    ]
    lines += [f"not imported: {n} coding(s): {reason}" for reason, n in summary.skipped_codings]
    lines += [f"not imported: {line}" for line in summary.rejected_selections]
    lines += [f"note: {n} selection(s) {kind}" for kind, n in summary.partial_selections]
    lines += [f"conflict: {c}" for c in summary.conflicts]
    if summary.notes_not_imported:
        lines.append(
            f"not imported: {summary.notes_not_imported} note(s) not attached to a coding or a "
            "selection (e.g. journals)"
        )
    lines += [f"not imported: {line}" for line in summary.not_imported]
    if summary.users_without_codes:
        lines.append(
            "not made coders (nothing of theirs to import): "
            + ", ".join(map(repr, summary.users_without_codes))
        )
    return head, lines
