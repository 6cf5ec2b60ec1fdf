"""Recording a new codebook version without orphaning any existing code."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from socialcoder.codebooks import load_codebook
from socialcoder.domain.codebook import Codebook
from socialcoder.errors import CodebookError
from socialcoder.services.study import Study, codebook_sha, record_codebook_version
from socialcoder.storage.models import CodebookVersionRow, CodeRow, DimensionRow, SegmentRow


@dataclass(frozen=True, slots=True)
class CodebookUpdate:
    old_version: str
    new_version: str
    added: tuple[str, ...]
    removed_unused: tuple[str, ...]


def update_codebook(study: Study, path: Path) -> CodebookUpdate:
    """Store ``path`` as the study's new codebook version. Refused, with every reason listed,
    when an existing code would lose its dimension, its value, its unit or its speaker role."""
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
        record_codebook_version(session, new, source_yaml)
    study.reload_codebook()
    return CodebookUpdate(
        old_version=old.version,
        new_version=new.version,
        added=tuple(k for k in new.keys if not old.has(k)),
        removed_unused=tuple(k for k in old.keys if not new.has(k)),
    )


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
        if role is not None and not dim.applies(role):
            problems.append(f"{key!r} no longer applies to {role} turns ({count} code(s))")
    return sorted(set(problems))
