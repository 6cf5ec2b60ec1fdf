"""Recording a new codebook version without orphaning any existing code or silently
re-numbering values, and reading the codebook history.

The values of a nominal or ordinal dimension are numbered by their position in the codebook:
exports write those numbers (and SPSS/Stata value labels), ordinal reliability and means use
them. So a new version that moves an existing value (re-orders values, or inserts or removes a
value before it) is refused unless ``allow_reorder`` says so; then the change is written into
the new version's history note. Appending values at the end moves nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from socialcoder.codebooks import load_codebook
from socialcoder.domain.codebook import Codebook, Scale
from socialcoder.domain.rules import applies
from socialcoder.errors import CodebookError, Input, Remedy
from socialcoder.services.study import Study, codebook_sha, record_codebook_version
from socialcoder.services.study_change import ChangeKind, StudyChange
from socialcoder.storage.models import CodebookVersionRow, CodeRow, DimensionRow, SegmentRow


@dataclass(frozen=True, slots=True)
class CodebookUpdate:
    old_version: str
    new_version: str
    added: tuple[str, ...]
    removed_unused: tuple[str, ...]
    moved: tuple[str, ...] = ()  # descriptions of values moved (allowed by allow_reorder)
    note: str | None = None

    @property
    def change(self) -> StudyChange:
        """What the update changed, for the views: the codebook (every dimension)."""
        return StudyChange.of(ChangeKind.CODEBOOK)


@dataclass(frozen=True, slots=True)
class CodebookVersion:
    """One entry of a study's codebook history (oldest first; the last is current)."""

    number: int
    name: str
    version: str
    recorded_at: datetime
    note: str | None


def moved_values(old: Codebook, new: Codebook) -> list[str]:
    """Nominal and ordinal dimensions (in both codebooks) whose existing values change
    position, each described as ``key (a, b, c -> a, c, b)``."""
    out = []
    for dim in new.dimensions:
        if not old.has(dim.key) or dim.scale not in (Scale.NOMINAL, Scale.ORDINAL):
            continue
        before = old.dimension(dim.key).value_texts
        after = dim.value_texts
        if any(v in after and after.index(v) != i for i, v in enumerate(before)):
            out.append(f"{dim.key} ({', '.join(before)} -> {', '.join(after)})")
    return out


def _note(old: Codebook, new: Codebook, moved: list[str]) -> str | None:
    parts = []
    added = [k for k in new.keys if not old.has(k)]
    removed = [k for k in old.keys if not new.has(k)]
    if added:
        parts.append("added " + ", ".join(added))
    if removed:
        parts.append("removed " + ", ".join(removed))
    if moved:
        parts.append("values moved with --allow-reorder: " + "; ".join(moved))
    return "; ".join(parts) or None


def update_codebook(study: Study, path: Path, *, allow_reorder: bool = False) -> CodebookUpdate:
    """Store ``path`` as the study's new codebook version. Refused, with every reason listed,
    when an existing code would lose its dimension, its value, its unit or its speaker role,
    and (unless ``allow_reorder``) when an existing nominal or ordinal value would move."""
    new = load_codebook(path)
    source_yaml = Path(path).read_text(encoding="utf-8-sig")
    old = study.codebook
    with study.write() as session:
        if session.scalars(
            select(CodebookVersionRow.id).where(
                CodebookVersionRow.sha256 == codebook_sha(source_yaml)
            )
        ).first():
            raise CodebookError("this exact codebook is already recorded in the study", source=path)
        problems = _orphans(session, new)
        if problems:
            raise CodebookError("would orphan existing codes: " + "; ".join(problems), source=path)
        moved = moved_values(old, new)
        if moved and not allow_reorder:
            raise CodebookError(
                "moves existing values, which changes their numeric codes in exports and "
                f"ordinal reliability: {'; '.join(moved)}; append new values at the end, or "
                "allow the move to record the change in the codebook history",
                source=path,
                remedy=Remedy.switch(Input.ALLOW_REORDER),
            )
        note = _note(old, new, moved)
        record_codebook_version(session, new, source_yaml, note=note)
    study.reload_codebook()
    return CodebookUpdate(
        old_version=old.version,
        new_version=new.version,
        added=tuple(k for k in new.keys if not old.has(k)),
        removed_unused=tuple(k for k in old.keys if not new.has(k)),
        moved=tuple(moved),
        note=note,
    )


def codebook_history(study: Study) -> list[CodebookVersion]:
    """Every codebook version the study has recorded, oldest first."""
    with study.read() as session:
        rows = session.scalars(select(CodebookVersionRow).order_by(CodebookVersionRow.id)).all()
        return [
            CodebookVersion(
                number=i, name=r.name, version=r.version, recorded_at=r.created_at, note=r.note
            )
            for i, r in enumerate(rows, start=1)
        ]


def _orphans(session: Session, new: Codebook) -> list[str]:
    problems: list[str] = []
    used = session.execute(
        select(
            DimensionRow.key,
            DimensionRow.unit,
            DimensionRow.enumerated,
            CodeRow.value,
            SegmentRow.role,
            func.count(),
        )
        .join(CodeRow, CodeRow.dimension_id == DimensionRow.id)
        .outerjoin(SegmentRow, SegmentRow.id == CodeRow.segment_id)
        .group_by(
            DimensionRow.key,
            DimensionRow.unit,
            DimensionRow.enumerated,
            CodeRow.value,
            SegmentRow.role,
        )
    ).all()
    for key, unit, enumerated, value, role, count in used:
        if not new.has(key):
            problems.append(f"dimension {key!r} is missing but has {count} code(s)")
            continue
        dim = new.dimension(key)
        if dim.unit.value != unit:
            problems.append(f"dimension {key!r} changes unit from {unit} to {dim.unit.value}")
            continue
        if dim.enumerated != enumerated:
            problems.append(f"dimension {key!r} changes between a list of values and free numbers")
            continue
        try:
            if dim.parse_value(value) != value:
                raise ValueError
        except ValueError:
            problems.append(f"value {value!r} of {key!r} is no longer allowed ({count} code(s))")
        if role is not None and not applies(dim, role):
            problems.append(f"{key!r} no longer applies to {role} turns ({count} code(s))")
    return sorted(set(problems))
