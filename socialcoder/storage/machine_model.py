"""Machine coders' models and the probabilities of their codes (revision 0011, issue #17).

``machine_models`` holds every model trained in the study, one row per (dimension, version):
the codebook version it was trained under, the SHA-256 of its training data, the settings and
library versions (JSON), what it learnt from (``source``; ``text``: ``original`` or
``deidentified``), who trained it and when, and the model itself (``payload``: the ZIP of JSON
and ``.npy`` arrays written by :mod:`socialcoder.machine.serialize`, read back without pickle).
A model holds the study's vocabulary, names included: it is identifying data, so it lives only
here (inside the study file, encrypted when the study is), and no export, REFI project or
de-identified copy carries it. ``retrain_reason`` is set when the data it learnt from changed
under it (a participant withdrew): its payload is then emptied (it held the participant's
words) and the row stays for the record; such a model no longer codes.
``coder_id``: the coder of kind ``'machine'`` that writes this model's codes (``machine code``).

``machine_codes`` gives each machine code its probability (the model's calibrated probability
of the value it chose), keyed by the code's id: the codes themselves are ordinary rows of
``codes`` under the machine coder, so the schema's checks on values and roles hold for them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from socialcoder.storage.models import Base

TEXT_SOURCES = ("original", "deidentified")


class MachineModelRow(Base):
    __tablename__ = "machine_models"
    __table_args__ = (
        UniqueConstraint("dimension_id", "version"),
        CheckConstraint("version >= 1", name="version"),
        CheckConstraint("text IN ('original', 'deidentified')", name="text"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dimension_id: Mapped[int] = mapped_column(ForeignKey("dimensions.id"))
    version: Mapped[int] = mapped_column(Integer)
    codebook_version_id: Mapped[int] = mapped_column(ForeignKey("codebook_versions.id"))
    data_hash: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(String(16))
    settings: Mapped[str] = mapped_column(Text)
    library_versions: Mapped[str] = mapped_column(Text)
    training: Mapped[str] = mapped_column(Text)
    # JSON list of the ids of the transcripts it learnt from (a withdrawal finds it by them)
    transcript_ids: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    retrain_reason: Mapped[str | None] = mapped_column(Text)
    coder_id: Mapped[int | None] = mapped_column(ForeignKey("coders.id"), unique=True)


class MachineCodeRow(Base):
    __tablename__ = "machine_codes"
    __table_args__ = (CheckConstraint("probability >= 0 AND probability <= 1", name="probability"),)

    code_id: Mapped[int] = mapped_column(
        ForeignKey("codes.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    model_id: Mapped[int] = mapped_column(ForeignKey("machine_models.id"), index=True)
    probability: Mapped[float] = mapped_column(Float)
