"""De-identified copies of a study: find candidates, review them, apply them to a copy.

The use case (``socialcoder deidentify STUDY OUT [--names FILE] [--review FILE]``):

1. :func:`find_candidates` runs the rules of :mod:`.deidentify_rules` over every segment's text
   and every transcript's preamble, with the study's own names (speaker labels, participant
   and therapist ids), the lead's list, and the names that cues reveal anywhere in the study.
   Each candidate gets its proposed replacement: one pseudonym per identity across the whole
   study (``[PERSON 1]``, ``[PLACE 2]``...), a date moved by its participant's offset (so that
   intervals survive), ``[AGE 90+]`` for an age over 89.
2. The lead reviews: :func:`write_review` writes them to a CSV (``keep`` is ``no`` to replace,
   ``yes`` to keep, ``?`` where only the lead can decide); the window's review pane does the
   same from the keyboard.
3. :func:`deidentify` (see :mod:`.deidentify_apply`) writes the copy.
"""

from __future__ import annotations

import csv
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import select

from socialcoder.errors import Input, Remedy, UserError
from socialcoder.export.output import prepare_output
from socialcoder.services.deidentify_nlp import NlpModel
from socialcoder.services.deidentify_rules import (
    ROLE_WORDS,
    NameLists,
    Span,
    find_spans,
    identity,
    names_from_cues,
    read_name_list,
    shift_date_text,
)
from socialcoder.services.study import Study
from socialcoder.storage.models import SegmentRow, TranscriptRow

REVIEW_COLUMNS = (
    "transcript",
    "segment",
    "start",
    "end",
    "text",
    "kind",
    "replacement",
    "keep",
    "context",
)
KEEP_VALUES = {"no": "no", "n": "no", "yes": "yes", "y": "yes", "?": "?", "": "?"}
MAX_OFFSET_DAYS = 365
MIN_OFFSET_DAYS = 30
CONTEXT = 40


@dataclass(frozen=True, slots=True)
class Candidate:
    """One identifier found: in ``transcript``, segment ``segment`` (None: the preamble), at
    ``start:end`` of its text. ``keep``: 'no' (replace), 'yes' (keep), '?' (undecided)."""

    transcript: str
    segment: int | None
    start: int
    end: int
    text: str
    kind: str
    replacement: str
    keep: str
    context: str = ""

    @property
    def where(self) -> tuple[str, int | None, int, int, str]:
        return (self.transcript, self.segment, self.start, self.end, self.text)


@dataclass(frozen=True, slots=True)
class Source:
    """A text of the study that is searched: a segment's text or a transcript's preamble."""

    transcript: str
    segment: int | None
    text: str


@dataclass
class Plan:
    """Everything :func:`find_candidates` learnt: the candidates, the pseudonym of each
    identity, each transcript's participant key and each participant's date offset (days)."""

    candidates: list[Candidate]
    pseudonyms: dict[tuple[str, str], str]
    originals: dict[str, tuple[str, str]]
    offsets: dict[str, int]
    participant_of: dict[str, str]
    names: NameLists


def study_names(study: Study) -> tuple[set[str], dict[str, str]]:
    """The study's own person names (speaker labels that are not role words, participant and
    therapist ids) and each transcript's participant key (its participant id, else its name)."""
    persons: set[str] = set()
    participant_of: dict[str, str] = {}
    with study.read() as session:
        for name, participant, therapist in session.execute(
            select(TranscriptRow.name, TranscriptRow.participant, TranscriptRow.therapist)
        ):
            participant_of[name] = participant or f"transcript:{name}"
            persons.update(x for x in (participant, therapist) if x)
        labels = session.scalars(select(SegmentRow.label).distinct())
        persons.update(
            lb.strip() for lb in labels if lb and lb.strip().casefold() not in ROLE_WORDS
        )
    return persons, participant_of


def sources(study: Study) -> list[Source]:
    with study.read() as session:
        rows = session.execute(
            select(TranscriptRow.name, SegmentRow.idx, SegmentRow.text)
            .join(TranscriptRow, TranscriptRow.id == SegmentRow.transcript_id)
            .order_by(TranscriptRow.name, SegmentRow.idx)
        ).all()
        preambles = session.execute(
            select(TranscriptRow.name, TranscriptRow.preamble).order_by(TranscriptRow.name)
        ).all()
    out = [Source(name, None, pre) for name, pre in preambles if pre]
    out += [Source(name, idx, text) for name, idx, text in rows]
    out.sort(key=lambda s: (s.transcript, -1 if s.segment is None else s.segment))
    return out


def read_names_file(path: Path | None) -> dict[str, set[str]]:
    if path is None:
        return {"PERSON": set(), "PLACE": set(), "ORG": set()}
    try:
        return read_name_list(Path(path).read_text(encoding="utf-8-sig").splitlines())
    except OSError as exc:
        raise UserError(f"cannot read the names list: {exc.strerror or exc}", source=path) from None
    except UnicodeDecodeError:
        raise UserError("the names list is not UTF-8 text", source=path) from None


def find_candidates(
    study: Study,
    *,
    names_file: Path | None = None,
    month_first: bool = False,
    seed: int | None = None,
    nlp: NlpModel | None = None,
) -> Plan:
    """Every candidate in the study with its proposed replacement (see the module doc).
    ``nlp``: a locally installed model (:mod:`.deidentify_nlp`) whose names are added to the
    lists."""
    persons, participant_of = study_names(study)
    listed = read_names_file(names_file)
    texts = sources(study)
    cued = set().union(*(names_from_cues(s.text) for s in texts)) if texts else set()
    if nlp is not None:
        for kind, found in nlp.names(s.text for s in texts).items():
            listed[kind] |= {n for n in found if n.casefold() not in ROLE_WORDS}
    names = NameLists(
        persons=frozenset(persons | listed["PERSON"] | cued),
        places=frozenset(listed["PLACE"]),
        orgs=frozenset(listed["ORG"]),
    )
    rng = secrets.SystemRandom() if seed is None else _Seeded(seed)
    offsets: dict[str, int] = {}
    for key in sorted(set(participant_of.values())):
        offsets[key] = -rng.randint(MIN_OFFSET_DAYS, MAX_OFFSET_DAYS)
    pseudonyms: dict[tuple[str, str], str] = {}
    originals: dict[str, tuple[str, str]] = {}
    counters: dict[str, int] = defaultdict(int)

    def pseudonym(kind: str, text: str) -> str:
        key = identity(kind, text)
        if key not in pseudonyms:
            counters[kind] += 1
            pseudonyms[key] = f"[{kind} {counters[kind]}]"
            originals[pseudonyms[key]] = (kind, text)
        return pseudonyms[key]

    # the study's own ids come first, so that participant P01 is [PERSON 1] everywhere
    for key in sorted(persons):
        if key.casefold() not in ROLE_WORDS:
            pseudonym("PERSON", key)
    candidates: list[Candidate] = []
    for source in texts:
        offset = offsets[participant_of[source.transcript]]
        for span in find_spans(source.text, names):
            candidates.append(
                Candidate(
                    transcript=source.transcript,
                    segment=source.segment,
                    start=span.start,
                    end=span.end,
                    text=span.text,
                    kind=span.kind,
                    replacement=_replacement(span, offset, pseudonym, month_first),
                    keep="?" if span.review else "no",
                    context=_context(source.text, span),
                )
            )
    return Plan(
        candidates=candidates,
        pseudonyms=pseudonyms,
        originals=originals,
        offsets=offsets,
        participant_of=participant_of,
        names=names,
    )


class _Seeded:
    def __init__(self, seed: int) -> None:
        import random

        self._random = random.Random(seed)

    def randint(self, a: int, b: int) -> int:
        return self._random.randint(a, b)


def _replacement(
    span: Span, offset: int, pseudonym: Callable[[str, str], str], month_first: bool
) -> str:
    if span.kind == "DATE":
        return shift_date_text(
            span.text, span.rule.split(":", 1)[1], offset, month_first=month_first
        )
    if span.kind == "AGE":
        return "[AGE 90+]"
    return pseudonym(span.kind, span.text)


def _context(text: str, span: Span) -> str:
    before = text[max(0, span.start - CONTEXT) : span.start].replace("\n", " ")
    after = text[span.end : span.end + CONTEXT].replace("\n", " ")
    return f"…{before}⟦{span.text}⟧{after}…"


# --- the review file -------------------------------------------------------------------------


def write_review(candidates: Sequence[Candidate], path: Path, *, force: bool = False) -> Path:
    """The candidates as CSV for the lead to edit (the ``keep`` column: no / yes / ?)."""
    out = prepare_output(path, fmt="csv", force=force)
    with out.writing() as tmp, tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(REVIEW_COLUMNS)
        for c in candidates:
            writer.writerow(
                (c.transcript, "" if c.segment is None else c.segment, c.start, c.end, c.text,
                 c.kind, c.replacement, c.keep, c.context)
            )  # fmt: skip
    return out.path or path


def read_review(path: Path) -> list[Candidate]:
    """A review CSV as edited by the lead; one line (exit 2) for anything malformed."""
    try:
        with Path(path).open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in REVIEW_COLUMNS[:8] if c not in (reader.fieldnames or [])]
            if missing:
                raise UserError(f"missing column(s) {', '.join(missing)}", source=path, line=1)
            out = []
            for number, row in enumerate(reader, start=2):
                out.append(_review_row(row, path, number))
            return out
    except OSError as exc:
        raise UserError(
            f"cannot read the review file: {exc.strerror or exc}", source=path
        ) from None
    except UnicodeDecodeError:
        raise UserError("the review file is not UTF-8 text", source=path) from None


def _review_row(row: dict[str, str], path: Path, line: int) -> Candidate:
    keep = KEEP_VALUES.get((row.get("keep") or "").strip().lower())
    if keep is None:
        raise UserError(
            f"keep must be no (replace), yes (keep) or ? (undecided), not {row['keep']!r}",
            source=path,
            line=line,
        )
    try:
        segment = int(row["segment"]) if (row["segment"] or "").strip() else None
        start, end = int(row["start"]), int(row["end"])
    except ValueError:
        raise UserError(
            "segment, start and end must be whole numbers", source=path, line=line
        ) from None
    kind = (row["kind"] or "").strip().upper()
    from socialcoder.services.deidentify_rules import KINDS

    if kind not in KINDS:
        raise UserError(
            f"unknown kind {row['kind']!r} (use one of: {', '.join(KINDS)})", source=path, line=line
        )
    return Candidate(
        transcript=row["transcript"],
        segment=segment,
        start=start,
        end=end,
        text=row["text"],
        kind=kind,
        replacement=row["replacement"] or "",
        keep=keep,
    )


def merge_review(
    found: Iterable[Candidate], reviewed: Iterable[Candidate], *, source: Path | str
) -> list[Candidate]:
    """The lead's decisions over the candidates found now. Every candidate found must be in
    the review (else the study changed since, or rows were deleted: refused); rows the lead
    added are kept when their text is at that place (checked when applied)."""
    decided = {c.where: c for c in reviewed}
    out: list[Candidate] = []
    missing = 0
    for c in found:
        row = decided.pop(c.where, None)
        if row is None:
            missing += 1
            continue
        # a date's replacement is computed again (the participant's offset is drawn afresh
        # for every run, and must be the same for every date of the participant and for the
        # session dates); other replacements may have been edited by the lead
        chosen = c.replacement if c.kind == "DATE" else (row.replacement or c.replacement)
        out.append(replace(c, keep=row.keep, replacement=chosen))
    if missing:
        raise UserError(
            f"{missing} candidate(s) found in the study are not in the review file (the study "
            "changed since, or rows were deleted): write a new review file",
            source=source,
            remedy=Remedy.give(Input.REVIEW_FILE),
        )
    out.extend(decided.values())  # added by the lead
    return out
