"""The machine coder over a study (issue #17): a study's coded turns handed to the pure
:mod:`socialcoder.machine`, to train a model or to evaluate one by grouped cross-validation.

``evaluate_machine`` only reads the study; ``train_machine`` stores the model it trains
(:mod:`socialcoder.services.machine_store`), learning the de-identified text where the
study is a de-identified copy (:func:`~socialcoder.services.machine_store.training_text`).

What goes in, for one segment-level dimension:

* the codes of every human coder on the transcripts that coder has **completed** (before
  completion an uncoded turn means "not coded yet", and a binary dimension's absent code is
  only a ``0`` on a completed transcript: the export's rule, :func:`build_long`); a coder's
  codes on transcripts not yet completed are left out and counted;
* the consensus layer's codes (settled values), wherever it has them;
* every turn (all roles: neighbours are features) of each transcript holding one of those
  codes, with its participant and therapist, so that folds keep a person's sessions together.

Text is the study's text as stored (a machine coder's own codes are never read: only human
coders and the consensus layer). Refusals are the pure layer's
(:class:`~socialcoder.machine.MachineInputError`, one line with the numbers).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from socialcoder.errors import Input, Remedy, UserError
from socialcoder.export.tables import build_long
from socialcoder.machine import (
    SOURCE_ALL,
    SOURCE_CONSENSUS,
    DimensionSpec,
    Evaluation,
    MachineData,
    MachineModel,
    codes_from_long,
    cross_validate,
    prepare,
    train,
)
from socialcoder.services.exporting import load_study_data, resolve_coders
from socialcoder.services.machine_store import StoredModel, store_model, training_text
from socialcoder.services.study import CONSENSUS, Study


@dataclass(frozen=True, slots=True, eq=False)
class MachineInputs:
    """The checked inputs of one dimension and what was left out of them."""

    data: MachineData
    transcripts: int
    human_coders: tuple[str, ...]
    has_consensus: bool
    #: (coder, transcript) pairs with codes of the dimension on a transcript the coder has
    #: not completed: left out.
    open_pairs: tuple[tuple[str, str], ...]
    #: database ids of the transcripts read (a withdrawal finds the models by them)
    transcript_ids: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "transcripts": self.transcripts,
            "turns": len(self.data.turns),
            "human_coders": list(self.human_coders),
            "consensus": self.has_consensus,
            "open_pairs_left_out": [{"coder": c, "transcript": t} for c, t in self.open_pairs],
        }


def machine_inputs(study: Study, dimension: str) -> MachineInputs:
    """Turns and codes of ``dimension`` as the machine coder reads them (module doc)."""
    codebook = study.codebook
    if not codebook.has(dimension):
        raise UserError(
            f"unknown dimension {dimension!r} (this codebook has: {', '.join(codebook.keys)})"
        )
    spec = DimensionSpec.from_dimension(codebook.dimension(dimension), codebook.version)
    coders = resolve_coders(study, None)
    study_data = load_study_data(study, coders, with_text=True)
    long = build_long(study_data).frame
    long = long[(long["dimension"].astype(str) == dimension) & long["value"].notna()]
    coder = long["coder"].astype(str)
    used = long["completed"].astype(bool) | (coder == CONSENSUS)
    open_pairs = sorted(
        set(zip(coder[~used], long.loc[~used, "transcript"].astype(str), strict=True))
    )
    codes = codes_from_long(long[used], dimension)
    names = set(codes["transcript"])
    transcripts = study_data.transcripts[
        ["transcript_id", "transcript", "participant", "therapist"]
    ]
    turns = study_data.segments[["transcript_id", "segment", "role", "text"]].merge(
        transcripts[transcripts["transcript"].isin(names)], on="transcript_id"
    )
    humans = tuple(sorted(set(codes["coder"]) - {CONSENSUS}))
    ids = transcripts.loc[transcripts["transcript"].isin(names), "transcript_id"]
    return MachineInputs(
        data=prepare(turns.drop(columns="transcript_id"), codes, spec),
        transcripts=len(names),
        human_coders=humans,
        has_consensus=bool((codes["coder"] == CONSENSUS).any()),
        open_pairs=tuple(open_pairs),
        transcript_ids=tuple(int(i) for i in ids),
    )


def check_source(study: Study, source: str) -> str:
    """``consensus``, ``all`` or the name of one of the study's coders."""
    if source in (SOURCE_CONSENSUS, SOURCE_ALL):
        return source
    (name,) = resolve_coders(study, [source])
    return name


def _check_coder_source(inputs: MachineInputs, source: str) -> None:
    """A coder whose codes are all on transcripts not yet completed is told so."""
    if source in (SOURCE_CONSENSUS, SOURCE_ALL) or source in inputs.human_coders:
        return
    waiting = sorted({t for c, t in inputs.open_pairs if c == source})
    if waiting:
        raise UserError(
            f"coder {source!r} has codes of {inputs.data.spec.key!r} only on transcripts not "
            f"completed yet ({', '.join(waiting)}); a machine learns from completed work"
        )


@dataclass(frozen=True, slots=True, eq=False)
class MachineTraining:
    """A model trained on the study's codes, as stored, and what it learnt from."""

    model: MachineModel
    inputs: MachineInputs
    seconds: float
    size: int
    stored: StoredModel

    def to_dict(self) -> dict[str, Any]:
        spec = self.model.spec
        return {
            "dimension": spec.key,
            "codebook_version": spec.codebook_version,
            "values": list(self.model.values),
            "training": self.model.training.to_dict(),
            "inputs": self.inputs.to_dict(),
            "settings": self.model.settings.to_dict(),
            "versions": dict(self.model.versions),
            "model_bytes": self.size,
            "seconds": self.seconds,
            "version": self.stored.version,
            "text": self.stored.text,
        }


def train_machine(
    study: Study,
    dimension: str,
    *,
    source: str = SOURCE_CONSENSUS,
    original_text: bool = False,
) -> MachineTraining:
    """Train a machine coder for ``dimension`` on the study's codes (``source``: consensus,
    all, or a coder's name; see :func:`socialcoder.machine.train`) and store it as the
    dimension's next model version."""
    source = check_source(study, source)
    text = training_text(study, original_text=original_text)
    inputs = machine_inputs(study, dimension)
    _check_coder_source(inputs, source)
    started = time.perf_counter()
    model = train(inputs.data, source=source)
    seconds = time.perf_counter() - started
    stored = store_model(study, model, text=text, transcript_ids=list(inputs.transcript_ids))
    return MachineTraining(
        model=model, inputs=inputs, seconds=seconds, size=stored.size_bytes, stored=stored
    )


@dataclass(frozen=True, slots=True, eq=False)
class MachineEvaluation:
    evaluation: Evaluation
    inputs: MachineInputs

    def to_dict(self) -> dict[str, Any]:
        return {**self.evaluation.to_dict(), "inputs": self.inputs.to_dict()}


def evaluate_machine(
    study: Study, dimension: str, *, folds: int = 5, source: str = SOURCE_CONSENSUS
) -> MachineEvaluation:
    """Grouped cross-validation of a machine coder for ``dimension`` against the study's
    human coders (see :func:`socialcoder.machine.cross_validate`). Writes nothing."""
    if folds < 2:
        raise UserError(
            f"cross-validation needs at least 2 folds (got {folds})",
            remedy=Remedy.change(Input.FOLDS),
        )
    source = check_source(study, source)
    inputs = machine_inputs(study, dimension)
    _check_coder_source(inputs, source)
    return MachineEvaluation(cross_validate(inputs.data, folds=folds, source=source), inputs)
