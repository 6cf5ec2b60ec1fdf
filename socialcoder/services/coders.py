"""Coders of a study. The consensus layer is stored as a coder of kind 'consensus'."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from socialcoder.errors import StudyError
from socialcoder.services.study import CONSENSUS, Study, now
from socialcoder.storage import server_api
from socialcoder.storage.models import CodeRow, CoderRow, CompletionRow

_NAME = re.compile(r"^[^\s,;=][^,;=\n\r\t]{0,99}$")


@dataclass(frozen=True, slots=True)
class CoderInfo:
    name: str
    kind: str
    active: bool
    codes: int
    completed: int


def check_coder_name(name: str) -> str:
    name = name.strip()
    if not _NAME.match(name) or name != name.strip():
        raise StudyError(
            f"{name!r} is not a usable coder name (1-100 characters, no commas, semicolons, "
            "'=' or line breaks)"
        )
    if name.casefold() == CONSENSUS:
        raise StudyError(f"{name!r} is reserved for the consensus layer")
    return name


def add_coders(study: Study, names: Iterable[str]) -> list[str]:
    """Add coders; refuses (adding none) if any name is unusable or already taken."""
    wanted = [check_coder_name(n) for n in names]
    if not wanted:
        raise StudyError("no coder names given")
    with study.write() as session:
        taken = {n.casefold(): n for n in session.scalars(select(CoderRow.name))}
        seen: set[str] = set()
        for name in wanted:
            if name.casefold() in taken or name.casefold() in seen:
                raise StudyError(f"coder {name!r} already exists", source=study.location)
            seen.add(name.casefold())
        for name in wanted:
            session.add(CoderRow(name=name, kind="coder", active=True, created_at=now()))
    return wanted


def add_coders_in(session: Session, names: Iterable[str]) -> dict[str, int]:
    """Inside an open transaction: add coders (names already checked), return name -> id."""
    rows = [CoderRow(name=n, kind="coder", active=True, created_at=now()) for n in names]
    session.add_all(rows)
    session.flush()
    return {r.name: r.id for r in rows}


def list_coders(study: Study, *, include_consensus: bool = False) -> list[CoderInfo]:
    with study.read() as session:
        codes = dict(
            session.execute(select(CodeRow.coder_id, func.count()).group_by(CodeRow.coder_id)).all()
        )
        completed = dict(
            session.execute(
                select(CompletionRow.coder_id, func.count()).group_by(CompletionRow.coder_id)
            ).all()
        )
        rows = session.scalars(select(CoderRow).order_by(CoderRow.name)).all()
        return [
            CoderInfo(r.name, r.kind, r.active, codes.get(r.id, 0), completed.get(r.id, 0))
            for r in rows
            if include_consensus or r.kind == "coder"
        ]


def coder_ids(session: Session, *, include_consensus: bool = True) -> dict[str, int]:
    query = select(CoderRow.name, CoderRow.id)
    if not include_consensus:
        query = query.where(CoderRow.kind == "coder")
    return {name: cid for name, cid in session.execute(query).all()}


def own_work_only(study: Study, name: str) -> None:
    """A coder's login (server mode) reads and writes only that coder's work: refuse others."""
    if study.login_coder is not None and name != study.login_coder:
        raise StudyError(
            f"this login belongs to coder {study.login_coder!r}: it can neither see nor change "
            f"the work of {name!r}",
            source=study.location,
        )


def coder_id(session: Session, name: str) -> int:
    connection = session.connection()
    if server_api.is_coder(connection):  # a coder's login knows only its own coder
        mine, me = server_api.me(connection)
        if name != me:
            raise StudyError(
                f"this login belongs to coder {me!r}: it can neither see nor change the work "
                f"of {name!r}"
            )
        return mine
    found = session.scalars(select(CoderRow.id).where(CoderRow.name == name)).one_or_none()
    if found is None:
        known = ", ".join(sorted(coder_ids(session, include_consensus=False))) or "none yet"
        raise StudyError(
            f"unknown coder {name!r} (coders: {known}; add one with `socialcoder coders add`)"
        )
    return found


def rename_coder(study: Study, old: str, new: str) -> None:
    """Rename a coder; codes, memos and the audit log follow (they refer to the coder's id)."""
    new = check_coder_name(new)
    with study.write() as session:
        cid = coder_id(session, old)
        taken = {n.casefold() for n in session.scalars(select(CoderRow.name)) if n != old}
        if new.casefold() in taken:
            raise StudyError(f"coder {new!r} already exists")
        row = session.get(CoderRow, cid)
        assert row is not None
        if row.kind != "coder":
            raise StudyError("the consensus layer cannot be renamed")
        row.name = new


def set_coder_active(study: Study, name: str, active: bool) -> None:
    """Deactivate (or reactivate) a coder: their codes stay; they are left out of new plans."""
    with study.write() as session:
        row = session.get(CoderRow, coder_id(session, name))
        assert row is not None
        row.active = active
