"""Machine-coding models stored in the study (issue #17; table ``machine_models``, revision 0011).

* :func:`store_model` keeps a trained model as the dimension's next version, with the
  codebook version, the training data's hash, the settings, the library versions, what it
  learnt from and which transcripts (by id).
* :func:`list_models` describes them (never the payload); :func:`load_model` reads one back
  (no pickle: :mod:`socialcoder.machine.serialize`) and refuses a model the codebook has
  outgrown (the dimension's values, roles or scale changed since training) or one marked for
  retraining.
* :func:`mark_for_retraining` (called by a participant's withdrawal, in its transaction)
  marks every model that learnt from the withdrawn transcripts and empties its payload: the
  model's vocabulary held the participant's words.

Which text a model learns from (:func:`training_text`): a model holds the vocabulary of its
training text, names included. A de-identified copy (``socialcoder deidentify``) is where a
lab works once it exists, so a study from which one was made refuses to train on its own
(original) text unless the lead asks for it (``--original-text``); training in the copy
itself learns the pseudonymised text and records ``deidentified``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from socialcoder.errors import Input, Remedy, StudyError, UserError
from socialcoder.machine import DimensionSpec, MachineInputError, MachineModel
from socialcoder.services.audit_events import list_events, os_user
from socialcoder.services.study import Study, now
from socialcoder.services.study_change import ChangeKind, StudyChange
from socialcoder.storage.machine_model import MachineModelRow
from socialcoder.storage.models import CodebookVersionRow, CoderRow, DimensionRow
from socialcoder.storage.rows import tuples

ORIGINAL = "original"
DEIDENTIFIED = "deidentified"


@dataclass(frozen=True, slots=True)
class StoredModel:
    """A stored model's description (``machine list``)."""

    id: int
    dimension: str
    version: int
    codebook_version: str
    data_hash: str
    source: str
    text: str
    settings: dict[str, Any]
    library_versions: dict[str, str]
    training: dict[str, Any]
    created_at: datetime
    created_by: str
    size_bytes: int
    retrain_reason: str | None
    coder: str | None

    @property
    def usable(self) -> bool:
        return self.retrain_reason is None

    @property
    def change(self) -> StudyChange:
        """What storing this model changed (a new version of its dimension's models)."""
        return StudyChange.of(ChangeKind.MODELS, dimensions=(self.dimension,))

    def to_dict(self) -> dict[str, Any]:
        return {
            "dimension": self.dimension,
            "version": self.version,
            "codebook_version": self.codebook_version,
            "data_hash": self.data_hash,
            "source": self.source,
            "text": self.text,
            "settings": self.settings,
            "library_versions": self.library_versions,
            "training": self.training,
            "created_at": self.created_at.isoformat(timespec="seconds"),
            "created_by": self.created_by,
            "size_bytes": self.size_bytes,
            "retrain": self.retrain_reason,
            "coder": self.coder,
        }


def _columns() -> tuple[Any, ...]:
    return (MachineModelRow, DimensionRow.key, CodebookVersionRow.version, CoderRow.name)


def _query() -> Any:
    return (
        select(*_columns())
        .join(DimensionRow, DimensionRow.id == MachineModelRow.dimension_id)
        .join(CodebookVersionRow, CodebookVersionRow.id == MachineModelRow.codebook_version_id)
        .outerjoin(CoderRow, CoderRow.id == MachineModelRow.coder_id)
        .order_by(DimensionRow.key, MachineModelRow.version)
    )


def _described(row: MachineModelRow, key: str, codebook: str, coder: str | None) -> StoredModel:
    return StoredModel(
        id=row.id,
        dimension=key,
        version=row.version,
        codebook_version=codebook,
        data_hash=row.data_hash,
        source=row.source,
        text=row.text,
        settings=json.loads(row.settings),
        library_versions=json.loads(row.library_versions),
        training=json.loads(row.training),
        created_at=row.created_at,
        created_by=row.created_by,
        size_bytes=row.size_bytes,
        retrain_reason=row.retrain_reason,
        coder=coder,
    )


def _lead_only(study: Study, what: str) -> None:
    if study.login_coder is not None:
        raise StudyError(
            f"a coder's login cannot {what}; the study's lead or owner can", source=study.location
        )


def training_text(study: Study, *, original_text: bool = False) -> str:
    """``deidentified`` in a de-identified copy; ``original`` elsewhere, refused (unless
    ``original_text``) where a de-identified copy of this study was made (module doc)."""
    from socialcoder.services.deidentify_apply import is_deidentified

    if is_deidentified(study):
        return DEIDENTIFIED
    copies = [e for e in list_events(study, kinds=("deidentified",)) if not e.detail.get("copy")]
    if copies and not original_text:
        where = copies[-1].detail.get("where") or copies[-1].detail.get("made_copy") or "?"
        raise UserError(
            f"a de-identified copy of this study exists ({where}): train the machine coder "
            "there, where its vocabulary holds no names, or let it learn this study's original "
            "text",
            remedy=Remedy.switch(Input.ORIGINAL_TEXT),
        )
    return ORIGINAL


def store_model(
    study: Study, model: MachineModel, *, text: str, transcript_ids: list[int]
) -> StoredModel:
    """Keep ``model`` as the next version of its dimension (see the module doc)."""
    _lead_only(study, "store a machine-coding model")
    payload = model.to_bytes()
    spec = model.spec
    dim = study.dimension(spec.key)
    with study.write() as session:
        latest = session.scalar(
            select(func.max(MachineModelRow.version)).where(MachineModelRow.dimension_id == dim.id)
        )
        row = MachineModelRow(
            dimension_id=dim.id,
            version=int(latest or 0) + 1,
            codebook_version_id=study.codebook_version_id,
            data_hash=model.training.data_hash,
            source=model.training.source,
            text=text,
            settings=json.dumps(model.settings.to_dict(), sort_keys=True),
            library_versions=json.dumps(dict(model.versions), sort_keys=True),
            training=json.dumps(model.training.to_dict(), sort_keys=True),
            transcript_ids=json.dumps(sorted(transcript_ids)),
            created_at=now(),
            created_by=os_user()[:100],
            size_bytes=len(payload),
            payload=payload,
        )
        session.add(row)
        session.flush()
        return _described(row, spec.key, study.codebook.version, None)


def list_models(study: Study, dimension: str | None = None) -> list[StoredModel]:
    _lead_only(study, "list machine-coding models")
    query = _query()
    if dimension is not None:
        query = query.where(DimensionRow.key == study.dimension(dimension).dimension.key)
    with study.read() as session:
        return [_described(*r) for r in tuples(session.execute(query))]


def load_model(
    study: Study, dimension: str, version: int | None = None
) -> tuple[StoredModel, MachineModel]:
    """The newest usable model of ``dimension`` (or ``version``), checked against the
    study's current codebook: refused when the dimension changed since it was trained."""
    _lead_only(study, "use a machine-coding model")
    dim = study.dimension(dimension)
    query = (
        _query().add_columns(MachineModelRow.payload).where(MachineModelRow.dimension_id == dim.id)
    )
    with study.read() as session:
        rows = session.execute(query).all()
    if not rows:
        raise UserError(
            f"no machine-coding model of {dimension!r} is stored in this study",
            remedy=Remedy.run(Input.TRAIN_MACHINE),
        )
    if version is None:
        usable = [r for r in rows if r[0].retrain_reason is None]
        if not usable:
            raise UserError(
                f"every stored model of {dimension!r} must be retrained "
                f"({rows[-1][0].retrain_reason})",
                remedy=Remedy.run(Input.TRAIN_MACHINE),
            )
        chosen = usable[-1]
    else:
        found = [r for r in rows if r[0].version == version]
        if not found:
            have = ", ".join(str(r[0].version) for r in rows)
            raise UserError(f"no version {version} of the {dimension!r} model (versions: {have})")
        chosen = found[0]
    stored = _described(*chosen[:4])
    if stored.retrain_reason is not None:
        raise UserError(
            f"model {dimension!r} v{stored.version} must be retrained ({stored.retrain_reason})"
        )
    model = MachineModel.from_bytes(chosen[4])
    try:
        model.check_dimension(DimensionSpec.from_dimension(dim.dimension, study.codebook.version))
    except MachineInputError as exc:
        raise UserError(f"model {dimension!r} v{stored.version}: {exc}") from None
    return stored, model


def models_learnt_from(session: Session, transcript_ids: list[int]) -> list[int]:
    """Ids of the usable models that learnt from one of ``transcript_ids``."""
    if not transcript_ids:
        return []
    gone = set(transcript_ids)
    rows = session.execute(
        select(MachineModelRow.id, MachineModelRow.transcript_ids).where(
            MachineModelRow.retrain_reason.is_(None)
        )
    ).all()
    return [mid for mid, ids in rows if gone & set(json.loads(ids))]


def mark_for_retraining(session: Session, transcript_ids: list[int], reason: str) -> int:
    """Inside the caller's transaction: mark every usable model that learnt from one of
    ``transcript_ids`` as to be retrained and empty its payload; returns how many."""
    hit = models_learnt_from(session, transcript_ids)
    if hit:
        session.execute(
            update(MachineModelRow)
            .where(MachineModelRow.id.in_(hit))
            .values(retrain_reason=reason, payload=b"", size_bytes=0)
        )
    return len(hit)
