"""Coders of a study. The consensus layer is stored as a coder of kind 'consensus'."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from socialcoder.domain import coder_kinds
from socialcoder.domain import names as name_rules
from socialcoder.errors import Input, NotFound, PermissionDenied, Remedy, StudyError
from socialcoder.services.study import Study, now
from socialcoder.services.study_change import ChangeKind, StudyChange
from socialcoder.storage import server_api
from socialcoder.storage.models import CodeRow, CoderRow, CompletionRow


@dataclass(frozen=True, slots=True)
class CoderInfo:
    name: str
    kind: str
    active: bool
    codes: int
    completed: int


def check_new_coders(
    wanted: Iterable[str], existing: Iterable[str], *, kind: str = coder_kinds.HUMAN
) -> list[str]:
    """Check new coders' names against the rule for names (:mod:`socialcoder.domain.names`),
    each other and ``existing`` (unique ignoring case); returns the names (stripped), or
    raises naming the first problem. Every path that creates a coder comes here. A coder of
    ``kind`` may not take a name formed like another kind's (:func:`coder_kinds.kind_by_form`:
    a person named ``A (retest)`` or ``machine talk v2`` would pass for a second pass or a
    model)."""
    taken = list(existing)
    out: list[str] = []
    for raw in wanted:
        name = name_rules.check_coder_name(raw)
        other = name_rules.clash(name, taken)
        if other is not None:
            raise StudyError(
                f"coder {name!r} already exists"
                if other == name
                else f"coder {name!r} already exists as {other!r} (coder names are unique "
                "ignoring letter case)"
            )
        form = coder_kinds.kind_by_form(name)
        if form is not None and form != kind:
            raise StudyError(
                f"{name!r} is named like "
                + (
                    "a coder's retest pass (made by a retest plan)"
                    if form == coder_kinds.RETEST
                    else "a machine coder (made by machine coding)"
                )
                + f"; a {coder_kinds.export_name(kind)} coder needs another name"
            )
        taken.append(name)
        out.append(name)
    return out


class AddedCoders(list[str]):
    """The names of the coders :func:`add_coders` added, with the change that made."""

    __slots__ = ()

    @property
    def change(self) -> StudyChange:
        """The change made: these coders (none if no coder)."""
        return StudyChange.of(ChangeKind.CODERS, coders=self) if self else StudyChange()


def add_coders(study: Study, names: Iterable[str]) -> AddedCoders:
    """Add coders; refuses (adding none) if any name is unusable or already taken. Returns
    their names (stripped), with the change made (``.change``)."""
    wanted = list(names)
    if not wanted:
        raise StudyError("no coder names given")
    with study.write() as session:
        added = add_coders_in(session, wanted)
    return AddedCoders(added)


def add_coders_in(
    session: Session, wanted: Iterable[str], kinds: Mapping[str, str] | None = None
) -> dict[str, int]:
    """Inside an open transaction: check and add coders, return name -> id. Every path that
    creates coders by name comes here (or through :func:`check_new_coders`). ``kinds`` gives
    a kind other than human for some names (a codes file's ``coder_kind`` column, a merged
    copy's coders): a machine coder without a model (its codes came from elsewhere), or a
    retest identity, linked to its coder (who must exist or be added in the same call). The
    consensus layer is never added: every study has its own."""
    kinds = kinds or {}
    names = list(wanted)
    existing = dict(session.execute(select(CoderRow.name, CoderRow.id)).all())
    added: dict[str, int] = {}
    # people first, so that a retest identity added in the same call finds its coder
    for name in sorted(names, key=lambda n: coder_kinds.is_retest(kinds.get(n, ""))):
        kind = kinds.get(name, coder_kinds.HUMAN)
        if kind == coder_kinds.CONSENSUS:
            raise StudyError(
                f"{name!r} is a consensus layer: a study has one of its own "
                f"({coder_kinds.CONSENSUS.value!r}), and another is not added"
            )
        (checked,) = check_new_coders([name], [*existing, *added], kind=kind)
        retest_of = None
        if coder_kinds.is_retest(kind):
            base = coder_kinds.retest_base(checked)
            retest_of = added.get(base, existing.get(base))
            base_kind = session.scalars(
                select(CoderRow.kind).where(CoderRow.id == retest_of)
            ).one_or_none()
            if retest_of is None or not coder_kinds.is_human(base_kind or ""):
                raise StudyError(
                    f"{checked!r} is a retest pass of {base!r}, who is not a coder here"
                )
        row = CoderRow(name=checked, kind=kind, active=True, created_at=now(), retest_of=retest_of)
        session.add(row)
        session.flush()
        added[checked] = row.id
    return added


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
            CoderInfo(
                name=r.name,
                kind=r.kind,
                active=r.active,
                codes=codes.get(r.id, 0),
                completed=completed.get(r.id, 0),
            )
            for r in rows
            if coder_kinds.listed_by_default(r.kind)
            or (include_consensus and r.kind == coder_kinds.CONSENSUS)
        ]


def coder_ids(session: Session, *, include_consensus: bool = True) -> dict[str, int]:
    query = select(CoderRow.name, CoderRow.id)
    if not include_consensus:
        query = query.where(CoderRow.kind == coder_kinds.HUMAN)
    return {name: cid for name, cid in session.execute(query).all()}


def own_work_only(study: Study, name: str) -> None:
    """A coder's login (server mode) reads and writes only that coder's work: refuse others."""
    if study.login_coder is not None and name != study.login_coder:
        raise PermissionDenied(
            f"this login belongs to coder {study.login_coder!r}: it can neither see nor change "
            f"the work of {name!r}",
            login=study.login_coder,
            other=name,
            source=study.location,
        )


def coder_id(session: Session, name: str) -> int:
    connection = session.connection()
    if server_api.is_coder(connection):  # a coder's login knows only its own coder
        mine, me = server_api.me(connection)
        if name != me:
            raise PermissionDenied(
                f"this login belongs to coder {me!r}: it can neither see nor change the work "
                f"of {name!r}",
                login=me,
                other=name,
            )
        return mine
    found = session.scalars(select(CoderRow.id).where(CoderRow.name == name)).one_or_none()
    if found is None:
        known = ", ".join(sorted(coder_ids(session, include_consensus=False))) or "none yet"
        raise NotFound(
            f"unknown coder {name!r} (coders: {known})",
            what="coder",
            names=(name,),
            remedy=Remedy.run(Input.ADD_CODER),
        )
    return found


def coder_kinds_of(study: Study) -> dict[str, str]:
    """Every coder's name -> kind (``coder``, ``consensus``, ``machine``)."""
    with study.read() as session:
        return dict(session.execute(select(CoderRow.name, CoderRow.kind)).all())


def refuse_machines(study: Study, names: Iterable[str], what: str) -> None:
    """Refuse machine coders among ``names`` where only people's work counts (``what``)."""
    kinds = coder_kinds_of(study)
    machines = [n for n in names if coder_kinds.is_machine(kinds.get(n, ""))]
    if machines:
        raise StudyError(
            f"{', '.join(map(repr, machines))} is a machine coder; {what} takes human coders only"
        )


def human_coder_id(session: Session, name: str, what: str) -> int:
    """:func:`coder_id` of a coder whose work a person may ``what`` (code, complete,
    be assigned...): a machine coder's codes come only from its model
    (:func:`coder_kinds.writes_by_hand`)."""
    cid = coder_id(session, name)
    if server_api.is_coder(session.connection()):  # a coder's login is a person's own
        return cid
    kind = session.scalars(select(CoderRow.kind).where(CoderRow.id == cid)).one_or_none()
    refuse_machine(name, kind, what)
    return cid


def refuse_machine(name: str, kind: str | None, what: str) -> None:
    """Refuse a person's change (``what``) to the work of a machine coder (see
    :func:`human_coder_id`)."""
    if kind is not None and coder_kinds.is_machine(kind):
        raise StudyError(
            f"{name!r} is a machine coder: its codes come only from machine coding, "
            f"so it cannot {what}"
        )


def assignable_coder_id(session: Session, name: str) -> int:
    """:func:`human_coder_id` of a coder the lead may assign work to by hand or by a design
    (:func:`coder_kinds.may_be_assigned`): a retest identity's work comes from retest plans."""
    cid = human_coder_id(session, name, "be assigned transcripts")
    if server_api.is_coder(session.connection()):
        return cid
    kind = session.scalars(select(CoderRow.kind).where(CoderRow.id == cid)).one_or_none()
    if kind is not None and coder_kinds.is_retest(kind):
        raise StudyError(
            f"{name!r} is a retest coder (a blind second pass): its transcripts come only from "
            "the lead's retest plans"
        )
    return cid


def rename_coder(study: Study, old: str, new: str) -> StudyChange:
    """Rename a coder; codes, memos and the audit log follow (they refer to the coder's id).
    The coder's retest identity (their second pass) follows the new name. Returns the change:
    the coders, by their old and new names (the second pass's too); every transcript (a
    renamed coder is named in every figure of theirs)."""
    with study.write() as session:
        cid = coder_id(session, old)
        retests = session.scalars(
            select(CoderRow).where(CoderRow.retest_of == cid, CoderRow.kind == coder_kinds.RETEST)
        ).all()
        moving = {old, *(r.name for r in retests)}
        others = [n for n in session.scalars(select(CoderRow.name)) if n not in moving]
        new = check_new_coders([new], others)[0]
        row = session.get(CoderRow, cid)
        assert row is not None
        if row.kind == coder_kinds.CONSENSUS:
            raise StudyError("the consensus layer cannot be renamed")
        if coder_kinds.is_retest(row.kind):
            raise StudyError(f"{old!r} is a coder's second pass: it is renamed with its coder")
        if not coder_kinds.is_human(row.kind):
            raise StudyError(f"{old!r} is a machine coder: it keeps its model's name")
        before = {row.name, *(r.name for r in retests)}
        row.name = new
        for retest in retests:
            retest.name = check_new_coders(
                [coder_kinds.retest_coder_name(new)], [*others, new], kind=coder_kinds.RETEST
            )[0]
        renamed = {*before, new, *(r.name for r in retests)}
    return StudyChange.of(ChangeKind.CODERS, coders=renamed)


def set_coder_active(study: Study, name: str, active: bool) -> StudyChange:
    """Deactivate (or reactivate) a coder: their codes stay; they are left out of new plans.
    Returns the change (this coder, by name)."""
    with study.write() as session:
        row = session.get(CoderRow, coder_id(session, name))
        assert row is not None
        row.active = active
        named = row.name
    return StudyChange.of(ChangeKind.CODERS, coders=(named,))
