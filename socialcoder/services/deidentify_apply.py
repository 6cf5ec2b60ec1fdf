"""Writing a de-identified copy (after the review; see :mod:`.deidentify`).

The copy is made like every other study copy (:func:`socialcoder.storage.conversion.copy_study`:
written beside OUT, checked, then published whole), encrypted when the study is. Inside it,
before it is published:

* every segment's text and every preamble get the lead's decisions (each span replaced by its
  pseudonym, a moved date, or ``[AGE 90+]``); every segment keeps its index, role, times and
  codes exactly (rows are updated in place, ids unchanged);
* speaker labels that are names, participant and therapist ids, transcript names, source file
  names, memos (segment memos, code memos) and the audit log's texts get the same pseudonyms,
  plus the pattern rules (phone, e-mail, address, record number, age, dates); session dates
  move by their participant's offset; recordings are dropped; machine-coding models are
  emptied (their vocabulary holds the original words) and marked to be retrained;
* the study events are replaced by one ``deidentified`` event, and the audit log gets one
  ``deidentify`` entry per changed segment saying which kinds were replaced (never the text);
* the file is vacuumed, so no page keeps an old text.

The mapping back (pseudonym -> original, and each participant's date offset) goes only to the
file the lead names with ``mapping``: a CSV for a plain study, an SQLCipher database (a new
passphrase is asked for) for an encrypted one.
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, ScalarResult, func, select, text

from socialcoder.errors import Conflict, Input, Remedy, StudyError, UserError
from socialcoder.export.output import prepare_output
from socialcoder.services.audit_events import (
    add_event,
    export_place,
    list_events,
    os_user,
    record_event,
)
from socialcoder.services.deidentify import (
    Candidate,
    Plan,
    find_candidates,
    merge_review,
    read_review,
    write_review,
)
from socialcoder.services.deidentify_nlp import load_model
from socialcoder.services.deidentify_rules import (
    ROLE_WORDS,
    NameLists,
    find_spans,
    identity,
    shift_date_text,
)
from socialcoder.services.study import Study, now, open_study
from socialcoder.storage import conversion, db
from socialcoder.storage.models import TranscriptRow
from socialcoder.storage.rows import tuples

PROTECTED_TRIGGERS = ("audit_log", "study_events")


@dataclass(frozen=True, slots=True)
class ReviewWritten:
    path: Path
    candidates: int
    undecided: int


@dataclass(frozen=True, slots=True)
class DeidentifyResult:
    path: Path
    transcripts: int
    segments_changed: int
    replaced: dict[str, int]
    kept: int
    mapping: Path | None
    encrypted: bool


@dataclass
class _Rewrite:
    """What to do in the copy (built from the plan and the decisions)."""

    plan: Plan
    spans: dict[tuple[str, int | None], list[Candidate]] = field(default_factory=dict)
    scrub_names: NameLists = field(default_factory=NameLists)
    kept_identities: set[tuple[str, str]] = field(default_factory=set)
    month_first: bool = False
    counts: Counter[str] = field(default_factory=Counter)
    changed_segments: int = 0


def deidentify(
    target: str | Path,
    out: str | Path,
    *,
    names_file: Path | None = None,
    review_file: Path | None = None,
    mapping_file: Path | None = None,
    month_first: bool = False,
    seed: int | None = None,
    decisions: Sequence[Candidate] | None = None,
    nlp_model: str | None = None,
) -> ReviewWritten | DeidentifyResult:
    """Write the review file (when ``review_file`` does not exist yet) or the de-identified
    copy at ``out`` (see the module docs). ``decisions``: the lead's decisions made in the
    window (instead of a review file). ``nlp_model``: a locally installed spaCy pipeline
    (``auto``, a package name or a folder; see :mod:`.deidentify_nlp`) that finds more names."""
    if db.is_url(target):
        raise StudyError(
            "de-identified copies are made from study files, not from a study on a server "
            "(the copy is rewritten before it is published, which needs a study file)",
            source=db.describe(target),
        )
    source, destination = Path(target).expanduser(), Path(out).expanduser()
    with open_study(source) as study:
        if study.read_only is not None:
            raise StudyError(
                f"is read-only: {study.read_only}; nothing was changed (the study records "
                "every de-identified copy made from it, so it must be writable)",
                source=study.location,
            )
        encrypted = study.encrypted
        nlp = load_model(nlp_model) if nlp_model else None
        plan = find_candidates(
            study, names_file=names_file, month_first=month_first, seed=seed, nlp=nlp
        )
        if review_file is not None and not Path(review_file).exists():
            path = write_review(plan.candidates, Path(review_file))
            undecided = sum(c.keep == "?" for c in plan.candidates)
            return ReviewWritten(path, len(plan.candidates), undecided)
        reviewed = read_review(Path(review_file)) if review_file is not None else decisions
        decided = (
            plan.candidates
            if reviewed is None
            else merge_review(plan.candidates, reviewed, source=review_file or "the review")
        )
        _check_decided(decided, review_file)
        rewrite = _rewrite_plan(plan, decided, month_first)
        if destination.exists():
            raise Conflict("already exists; choose a new file name", source=str(destination))
        if mapping_file is not None:
            _check_mapping_target(Path(mapping_file), encrypted, study)
        _check_added_rows(study, decided)
    done = conversion.copy_study(
        source, destination, encrypt=encrypted, before_publish=lambda e: _apply(e, rewrite)
    )
    mapping = _write_mapping(Path(mapping_file), rewrite, encrypted) if mapping_file else None
    kept = sum(c.keep == "yes" for c in decided)
    with open_study(source) as study:
        record_event(
            study,
            "deidentified",
            detail={
                "made_copy": export_place(destination),
                "replaced": dict(rewrite.counts),
                "kept_by_review": kept,
                "nlp_model": nlp.name if nlp else None,
                "mapping": export_place(mapping) if mapping else None,
            },
        )
    return DeidentifyResult(
        path=done.path,
        transcripts=len(set(rewrite.plan.participant_of)),
        segments_changed=rewrite.changed_segments,
        replaced=dict(rewrite.counts),
        kept=kept,
        mapping=mapping,
        encrypted=done.encrypted,
    )


def _check_decided(decided: list[Candidate], review_file: Path | None) -> None:
    undecided = [c for c in decided if c.keep == "?"]
    if not undecided:
        return
    examples = ", ".join(sorted({repr(c.text) for c in undecided})[:5])
    if review_file is None:
        raise UserError(
            f"{len(undecided)} candidate(s) need the lead's decision (names that are also "
            f"ordinary words, e.g. {examples}): write them to a review file, set keep to no "
            "or yes, and run again",
            remedy=Remedy.give(Input.REVIEW_FILE),
        )
    raise UserError(
        f"{len(undecided)} candidate(s) are still undecided (keep '?', e.g. {examples}): set "
        "keep to no (replace) or yes (keep)",
        source=review_file,
    )


def _check_added_rows(study: Study, decided: list[Candidate]) -> None:
    from socialcoder.services.deidentify import sources

    texts = {(s.transcript, s.segment): s.text for s in sources(study)}
    for c in decided:
        found = texts.get((c.transcript, c.segment))
        if found is None or found[c.start : c.end] != c.text:
            raise UserError(
                f"the review names {c.text!r} at {c.start}:{c.end} of {c.transcript} segment "
                f"{c.segment}, but the text there differs"
            )


def _check_mapping_target(path: Path, encrypted: bool, study: Study) -> None:
    if path.exists():
        raise UserError("already exists; choose a new file name for the mapping", source=path)
    if not encrypted:
        prepare_output(path, fmt="csv", protect=study.files)


def _rewrite_plan(plan: Plan, decided: list[Candidate], month_first: bool) -> _Rewrite:
    spans: dict[tuple[str, int | None], list[Candidate]] = defaultdict(list)
    kept: set[tuple[str, str]] = set()
    persons, places, orgs = set(plan.names.persons), set(plan.names.places), set(plan.names.orgs)
    for c in decided:
        if c.keep == "no":
            spans[(c.transcript, c.segment)].append(c)
        elif c.kind in ("PERSON", "PLACE", "ORG"):
            kept.add(identity(c.kind, c.text))
    for kind, names in (("PERSON", persons), ("PLACE", places), ("ORG", orgs)):
        for name in list(names):
            if identity(kind, name) in kept:
                names.discard(name)
    return _Rewrite(
        plan=plan,
        spans=dict(spans),
        scrub_names=NameLists(frozenset(persons), frozenset(places), frozenset(orgs)),
        kept_identities=kept,
        month_first=month_first,
    )


#: machine-coding models hold the original text's vocabulary, names included: the copy keeps
#: their descriptions (its machine codes refer to them) but not the models themselves
MODELS_NOT_COPIED = "learnt the original text; a de-identified copy does not carry it"
_EMPTY_MODELS = (
    "UPDATE machine_models SET payload = X'', size_bytes = 0, "
    "retrain_reason = COALESCE(retrain_reason, :why)"
)


# --- inside the copy -------------------------------------------------------------------------


def _apply(engine: Engine, rw: _Rewrite) -> None:
    with engine.begin() as conn:
        triggers = tuples(conn.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN "
                 "('audit_log', 'study_events')")
        ))  # fmt: skip
        for name, _sql in triggers:
            conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
        ids = _rewrite_transcripts(conn, rw)
        _rewrite_segments(conn, rw, ids)
        _rewrite_free_texts(conn, rw, ids)
        conn.exec_driver_sql("DELETE FROM study_events")
        conn.exec_driver_sql("DELETE FROM sqlite_sequence WHERE name = 'study_events'")
        conn.execute(text(_EMPTY_MODELS), {"why": MODELS_NOT_COPIED})
        for _name, sql in triggers:
            conn.exec_driver_sql(sql)
        session_like = _ConnSession(conn)
        add_event(
            session_like,  # type: ignore[arg-type]  # has the one Session method add_event uses
            "deidentified",
            detail={"copy": True, "replaced": dict(rw.counts), "segments": rw.changed_segments},
        )
    # VACUUM rewrites every page (no free page keeps an old text); it runs outside a
    # transaction, so on the driver's connection (autocommit here) rather than SQLAlchemy's
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        raw.execute("VACUUM")
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()


class _ConnSession:
    """Just enough of a Session for :func:`add_event` on a plain connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def execute(self, statement: Any) -> Any:
        return self.conn.execute(statement)


def _rewrite_transcripts(conn: Connection, rw: _Rewrite) -> dict[str, tuple[int, str]]:
    """Transcript name -> (id, participant key); names, ids, dates, recordings rewritten."""
    rows = tuples(
        conn.execute(text("SELECT id, name, participant, therapist, session_date FROM transcripts"))
    )
    out: dict[str, tuple[int, str]] = {}
    for tid, name, participant, therapist, when in rows:
        key = rw.plan.participant_of[name]
        out[name] = (tid, key)
        new_name = _scrub_name(name, rw)
        moved = _move(when, rw.plan.offsets[key])
        conn.execute(
            text(
                "UPDATE transcripts SET name = :n, participant = :p, therapist = :t, "
                "source_name = :s, session_date = :d WHERE id = :id"
            ),
            {
                "n": new_name,
                "p": _person(participant, rw),
                "t": _person(therapist, rw),
                "s": f"{new_name} (de-identified)",
                "d": moved,
                "id": tid,
            },
        )
        # the original recording says every name the text no longer shows: its reference goes
        # (a bleeped one may be attached to the copy afterwards, see deidentify_media)
        conn.execute(text("DELETE FROM recordings WHERE transcript_id = :id"), {"id": tid})
    measures: ScalarResult[str | None] = conn.execute(
        text("SELECT DISTINCT participant FROM session_measures")
    ).scalars()
    for participant in list(measures):
        conn.execute(
            text("UPDATE session_measures SET participant = :new WHERE participant = :old"),
            {"new": _person(participant, rw), "old": participant},
        )
    return out


def _rewrite_segments(conn: Connection, rw: _Rewrite, ids: dict[str, tuple[int, str]]) -> None:
    consensus = conn.execute(text("SELECT id FROM coders WHERE kind = 'consensus'")).scalar()
    actor = os_user()[:100]
    for (transcript, segment), spans in sorted(
        rw.spans.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)
    ):
        tid, _key = ids[transcript]
        if segment is None:
            old = conn.execute(
                text("SELECT preamble FROM transcripts WHERE id = :t"), {"t": tid}
            ).scalar()
        else:
            old = conn.execute(
                text("SELECT text FROM segments WHERE transcript_id = :t AND idx = :i"),
                {"t": tid, "i": segment},
            ).scalar()
        new = _replace_spans(str(old), spans)
        kinds = Counter(c.kind for c in spans)
        rw.counts.update(kinds)
        if segment is None:
            conn.execute(
                text("UPDATE transcripts SET preamble = :x WHERE id = :t"), {"x": new, "t": tid}
            )
        else:
            rw.changed_segments += 1
            conn.execute(
                text("UPDATE segments SET text = :x WHERE transcript_id = :t AND idx = :i"),
                {"x": new, "t": tid, "i": segment},
            )
        conn.execute(
            text(
                "INSERT INTO audit_log (at, actor, action, coder_id, transcript_id, segment_idx, "
                "reason) VALUES (:at, :actor, 'deidentify', :c, :t, :i, :r)"
            ),
            {
                "at": now(),
                "actor": actor,
                "c": consensus,
                "t": tid,
                "i": segment,
                "r": "replaced " + ", ".join(f"{k} x{n}" for k, n in sorted(kinds.items())),
            },
        )
    labels: ScalarResult[str | None] = conn.execute(
        text("SELECT DISTINCT label FROM segments")
    ).scalars()
    for label in list(labels):
        new_label = (
            _person(label, rw) if label and label.strip() in rw.plan.names.persons else label
        )
        if new_label == label:
            new_label = _scrub(label, rw, 0)
        if new_label != label:
            conn.execute(
                text("UPDATE segments SET label = :n WHERE label = :o"),
                {"n": new_label, "o": label},
            )


def _rewrite_free_texts(conn: Connection, rw: _Rewrite, ids: dict[str, tuple[int, str]]) -> None:
    offsets = {tid: rw.plan.offsets[key] for tid, key in ids.values()}
    memos = tuples(
        conn.execute(
            text(
                "SELECT m.id, m.text, s.transcript_id FROM segment_memos m JOIN segments s ON s.id = m.segment_id"
            )
        )
    )
    for mid, body, tid in memos:
        conn.execute(text("UPDATE segment_memos SET text = :x WHERE id = :id"),
                     {"x": _scrub(body, rw, offsets.get(tid, 0)), "id": mid})  # fmt: skip
    for cid, body, tid in tuples(
        conn.execute(text("SELECT id, memo, transcript_id FROM codes WHERE memo IS NOT NULL"))
    ):
        conn.execute(text("UPDATE codes SET memo = :x WHERE id = :id"),
                     {"x": _scrub(body, rw, offsets.get(tid, 0)), "id": cid})  # fmt: skip
    entries = tuples(
        conn.execute(
            text(
                "SELECT id, transcript_id, old_value, new_value, reason FROM audit_log WHERE action != 'deidentify'"
            )
        )
    )
    for aid, tid, old, new, reason in entries:
        shift = offsets.get(tid, 0)
        conn.execute(
            text("UPDATE audit_log SET old_value = :o, new_value = :n, reason = :r WHERE id = :id"),
            {
                "o": _scrub(old, rw, shift),
                "n": _scrub(new, rw, shift),
                "r": _scrub(reason, rw, shift),
                "id": aid,
            },
        )


def _replace_spans(body: str, spans: list[Candidate]) -> str:
    for c in sorted(spans, key=lambda s: s.start, reverse=True):
        body = body[: c.start] + c.replacement + body[c.end :]
    return body


def _scrub(body: str | None, rw: _Rewrite, shift: int) -> str | None:
    """Other texts: the confirmed names and every pattern rule, automatically."""
    if not body:
        return body
    pieces = []
    for span in find_spans(body, rw.scrub_names):
        if span.kind in ("PERSON", "PLACE", "ORG"):
            key = identity(span.kind, span.text)
            if key in rw.kept_identities or (span.review and key not in rw.plan.pseudonyms):
                continue
            replacement = rw.plan.pseudonyms.get(key) or _new_pseudonym(rw, span.kind, span.text)
        elif span.kind == "DATE":
            replacement = shift_date_text(
                span.text, span.rule.split(":", 1)[1], shift, month_first=rw.month_first
            )
        elif span.kind == "AGE":
            replacement = "[AGE 90+]"
        else:
            replacement = rw.plan.pseudonyms.get(identity(span.kind, span.text)) or _new_pseudonym(
                rw, span.kind, span.text
            )
        pieces.append((span.start, span.end, replacement))
    for start, end, replacement in reversed(pieces):
        body = body[:start] + replacement + body[end:]
    return body


def _new_pseudonym(rw: _Rewrite, kind: str, original: str) -> str:
    number = 1 + sum(1 for (k, _t) in rw.plan.pseudonyms if k == kind)
    name = f"[{kind} {number}]"
    rw.plan.pseudonyms[identity(kind, original)] = name
    rw.plan.originals[name] = (kind, original)
    return name


def _person(value: str | None, rw: _Rewrite) -> str | None:
    if not value or value.strip().casefold() in ROLE_WORDS:
        return value
    key = identity("PERSON", value)
    return rw.plan.pseudonyms.get(key) or _new_pseudonym(rw, "PERSON", value)


def _scrub_name(name: str, rw: _Rewrite) -> str:
    """A transcript's name with every person name or id in it replaced (ids often sit inside
    names such as ``P07_session03``, so letters and digits alone bound a match)."""
    persons = sorted((n for n in rw.scrub_names.persons if n), key=len, reverse=True)
    if persons:
        pattern = re.compile(
            r"(?<![A-Za-z0-9])(?:" + "|".join(re.escape(p) for p in persons) + r")(?![A-Za-z0-9])"
        )
        name = pattern.sub(lambda m: str(_person(m.group(), rw)), name)
    return str(_scrub(name, rw, 0))


def _move(value: object, days: int) -> object:
    if value is None:
        return None
    when = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return (when + timedelta(days)).isoformat()


# --- the mapping file --------------------------------------------------------------------------


def _mapping_rows(rw: _Rewrite) -> list[tuple[str, str, str]]:
    rows = [
        (pseudonym, kind, original) for pseudonym, (kind, original) in rw.plan.originals.items()
    ]
    for key, days in sorted(rw.plan.offsets.items()):
        who = key.split(":", 1)[1] if key.startswith("transcript:") else key
        label = rw.plan.pseudonyms.get(identity("PERSON", who), who)
        rows.append((f"date offset of {label}", "DATE", f"{days} days"))
    return rows


def _write_mapping(path: Path, rw: _Rewrite, encrypted: bool) -> Path:
    rows = _mapping_rows(rw)
    if encrypted:
        conversion.write_private_table(path, "mapping", ("pseudonym", "kind", "original"), rows)
        return path
    out = prepare_output(path, fmt="csv")
    with out.writing() as tmp, tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(("pseudonym", "kind", "original"))
        writer.writerows(rows)
    return out.path or path


# --- checks for other commands -----------------------------------------------------------------


def is_deidentified(study: Study) -> bool:
    """A copy made by :func:`deidentify` to which no transcript was added since."""
    marks = [e for e in list_events(study, kinds=("deidentified",)) if e.detail.get("copy")]
    if not marks:
        return False
    since = marks[-1].at
    with study.read() as session:
        newer = session.scalar(
            select(func.count()).select_from(TranscriptRow).where(TranscriptRow.imported_at > since)
        )
    return not newer


def require_deidentified(study: Study) -> None:
    if not is_deidentified(study):
        raise StudyError(
            "is not a de-identified copy (made by de-identifying a study, with no transcript "
            "imported since), and only such a copy may be exported here",
            source=study.location,
        )
