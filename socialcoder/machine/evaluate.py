"""Cross-validation of the machine coder, held to the reliability a human coder is held to.

Sessions with coded turns are grouped (:mod:`.folds`: by participant and therapist where known,
else by transcript) and split into ``folds`` folds; turns of one session are never both
trained and tested on. For each fold a model is trained (:func:`.training.fit`) on the other
folds' codes from ``source`` and codes the fold's turns through the same path a stored model
uses; its codes are compared with the *human* codes of those turns (:mod:`.metrics`). Figures
are given per fold and pooled over all folds (every evaluated turn coded once, by the model
that did not see its session); the pooled alpha(machine, human) has a 95% interval from the
reliability module's cluster bootstrap, resampling transcripts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from socialcoder.machine.data import MACHINE, SOURCE_CONSENSUS, MachineData
from socialcoder.machine.errors import MachineInputError, TooFewUnitsError
from socialcoder.machine.folds import Grouping, assign_folds, group_sessions
from socialcoder.machine.metrics import (
    ICC_NAME,
    Agreement,
    RateAgreement,
    agreement,
    reference_values,
    session_rates,
)
from socialcoder.machine.model import ModelSettings
from socialcoder.machine.training import Corpus, check_examples, fit
from socialcoder.reliability import BootstrapCI, bootstrap_alpha

#: Sessions with fewer evaluated turns do not enter the session-rate agreement.
MIN_SESSION_UNITS = 10
#: Replicates of the cluster bootstrap (by transcript) of alpha(machine, human).
REPLICATES = 1000


class FoldError(MachineInputError):
    """A fold cannot be trained; ``fold`` (from 1) and the refusal ``cause``."""

    def __init__(self, fold: int, folds: int, cause: MachineInputError) -> None:
        self.fold = fold
        self.cause = cause
        super().__init__(f"fold {fold} of {folds}: {cause.message}")


@dataclass(frozen=True, slots=True)
class FoldResult:
    fold: int
    transcripts: int
    training_units: int
    agreement: Agreement
    calibration: str
    inner_alpha: float | None
    train_seconds: float

    def to_dict(self) -> dict[str, Any]:
        a = self.agreement
        return {
            "fold": self.fold,
            "transcripts": self.transcripts,
            "training_units": self.training_units,
            "units": a.units,
            "alpha_machine_human": a.alpha_machine_human,
            "alpha_human_human": a.alpha_human_human,
            "alpha_human_human_reason": a.alpha_human_human_reason,
            "overlap_units": a.overlap_units,
            "percent_agreement": a.percent_agreement,
            "recall": {v: s.recall for v, s in a.per_value.items()},
            "calibration": self.calibration,
            "inner_alpha": self.inner_alpha,
            "train_seconds": self.train_seconds,
        }


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Cross-validated agreement of the machine with human coders; ``to_dict()`` is the
    JSON item. ``units`` has one row per evaluated turn: ``transcript``, ``segment``, ``fold``
    (from 1), ``machine`` (the value coded by the model that did not see the session),
    ``probability`` (of that value) and ``human`` (the reference human's value)."""

    dimension: str
    level: str
    codebook_version: str
    folds: int
    source: str
    grouping: Grouping
    pooled: Agreement
    alpha_ci: BootstrapCI
    sessions: dict[str, RateAgreement]
    min_session_units: int
    by_fold: tuple[FoldResult, ...]
    settings: ModelSettings
    seconds: float
    units: pd.DataFrame = field(repr=False)

    @property
    def alpha_machine_human(self) -> float | None:
        return self.pooled.alpha_machine_human

    @property
    def alpha_human_human(self) -> float | None:
        return self.pooled.alpha_human_human

    def to_dict(self) -> dict[str, Any]:
        pooled = self.pooled.to_dict()
        return {
            "dimension": self.dimension,
            "level": self.level,
            "codebook_version": self.codebook_version,
            "folds": self.folds,
            "source": self.source,
            "grouping": {
                "by": self.grouping.by,
                "groups": self.grouping.count,
                "note": self.grouping.note,
            },
            **pooled,
            "alpha_machine_human_ci95": (
                None if self.alpha_ci.low is None else [self.alpha_ci.low, self.alpha_ci.high]
            ),
            "alpha_machine_human_bootstrap": {
                **self.alpha_ci.to_dict(),
                "reason": self.alpha_ci.reason,
            },
            "sessions": {
                "statistic": ICC_NAME,
                "rate": "turns with the value per 100 evaluated turns of the session",
                "min_units": self.min_session_units,
                "per_value": {v: r.to_dict() for v, r in self.sessions.items()},
            },
            "by_fold": [f.to_dict() for f in self.by_fold],
            "settings": self.settings.to_dict(),
            "seconds": self.seconds,
        }


def cross_validate(
    data: MachineData,
    *,
    folds: int = 5,
    source: str = SOURCE_CONSENSUS,
    settings: ModelSettings | None = None,
    min_session_units: int = MIN_SESSION_UNITS,
) -> Evaluation:
    """Evaluate a machine coder for ``data.spec`` by grouped cross-validation (module doc)."""
    started = time.perf_counter()
    settings = settings or ModelSettings()
    check_examples(data, data.training_examples(source), settings)
    humans = data.human_codes()
    human_rows = np.unique(humans["row"].to_numpy())
    if human_rows.size < settings.min_units:
        raise TooFewUnitsError(
            f"turns of {data.spec.key!r} coded by a human coder to compare with",
            int(human_rows.size),
            settings.min_units,
        )
    coded = data.codes[data.codes["kind"] != MACHINE]
    used, sizes = np.unique(data.session[np.unique(coded["row"].to_numpy())], return_counts=True)
    participants, therapists = data.people()
    grouping = group_sessions([participants[s] for s in used], [therapists[s] for s in used], folds)
    fold_of = assign_folds(grouping.groups, sizes, folds, settings.seed)
    corpus = Corpus.build(data, settings)
    fold_all: list[np.ndarray] = []
    rows_all: list[np.ndarray] = []
    codes_all: list[np.ndarray] = []
    probs_all: list[np.ndarray] = []
    results = []
    for k in range(folds):
        test_sessions = used[fold_of == k]
        examples = data.training_examples(source, used[fold_of != k])
        tick = time.perf_counter()
        try:
            model = fit(corpus, examples, settings)
        except MachineInputError as exc:
            raise FoldError(k + 1, folds, exc) from None
        seconds = time.perf_counter() - tick
        rows = human_rows[np.isin(data.session[human_rows], test_sessions)]
        codes, probabilities = model.code_rows(data, rows)
        chosen = np.searchsorted(np.asarray(model.classes), codes)
        probability = probabilities[np.arange(rows.size), chosen]
        results.append(
            FoldResult(
                fold=k + 1,
                transcripts=int(test_sessions.size),
                training_units=model.training.units,
                agreement=agreement(rows, codes, probability, humans, data.spec),
                calibration=model.training.calibration,
                inner_alpha=model.training.inner_alpha,
                train_seconds=seconds,
            )
        )
        rows_all.append(rows)
        fold_all.append(np.full(rows.size, k + 1))
        codes_all.append(codes)
        probs_all.append(probability)
    rows = np.concatenate(rows_all)
    order = np.argsort(rows, kind="stable")
    rows, codes, probability = (
        rows[order],
        np.concatenate(codes_all)[order],
        np.concatenate(probs_all)[order],
    )
    pooled = agreement(rows, codes, probability, humans, data.spec)
    reference = reference_values(rows, humans)
    numbers = np.asarray(data.spec.numbers)
    alpha_ci = bootstrap_alpha(
        np.vstack([numbers[codes], numbers[reference]]),
        data.spec.level,
        replicates=REPLICATES,
        seed=settings.seed,
        clusters=data.session[rows],
        by="transcript",
    )
    rates = session_rates(data.session[rows], codes, reference, data.spec, min_session_units)
    values = np.asarray(data.spec.values, dtype=object)
    units = pd.DataFrame(
        {
            "transcript": data.turns["transcript"].to_numpy()[rows],
            "segment": data.turns["segment"].to_numpy()[rows],
            "fold": np.concatenate(fold_all)[order],
            "machine": values[codes],
            "probability": probability,
            "human": values[reference],
        }
    )
    return Evaluation(
        dimension=data.spec.key,
        level=data.spec.level,
        codebook_version=data.spec.codebook_version,
        folds=folds,
        source=source,
        grouping=grouping,
        pooled=pooled,
        alpha_ci=alpha_ci,
        sessions=rates,
        min_session_units=min_session_units,
        by_fold=tuple(results),
        settings=settings,
        seconds=time.perf_counter() - started,
        units=units,
    )
