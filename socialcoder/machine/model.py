"""The trained machine coder as a value object, and how it codes turns.

A :class:`MachineModel` holds only plain data: the dimension it codes (:class:`DimensionSpec`,
with the codebook version), the values it can give, its vocabularies (terms and idf weights),
the linear coefficients and intercepts, the calibration, the settings it was trained with, a
description of its training data (with their SHA-256) and the library versions. It stores as
JSON plus numpy arrays (:mod:`socialcoder.machine.serialize`), never as a pickle, and a stored
model codes exactly as the one in memory.

A model is identifying data: its vocabulary holds words of the transcripts, names included.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from socialcoder.machine.calibration import Calibration
from socialcoder.machine.data import DimensionSpec, MachineData, prepare
from socialcoder.machine.errors import MachineInputError
from socialcoder.machine.features import (
    FeatureSettings,
    TurnLayout,
    feature_count,
    smooth_decisions,
    unit_features,
)
from socialcoder.machine.lexicon import lexicon_rows
from socialcoder.machine.text import Vocabulary

#: The learner's version, recorded in a model's settings: 2 added the naive-Bayes-scaled half of
#: each value's linear model (``nb_mix``); models without it are version 1.
LEARNER = 2


@dataclass(frozen=True, slots=True)
class ModelSettings:
    """Everything that shapes training. ``C``: inverse L2 penalty of the one-vs-rest logistic
    regressions (liblinear); class weights are balanced; ``nb_mix``: the weight, in the average
    of the two linear models of each value, of the one fitted on naive-Bayes-scaled features
    (0: the plain logistic regression alone, as models stored before 0.5 was the default;
    see :func:`socialcoder.machine.training.fit_linear`); ``nb_smoothing``: the additive
    smoothing of that scaling's counts; ``inner_folds`` folds of the training data give the
    held-out decisions that calibration is fitted on; ``min_units`` coded units are needed to
    train."""

    features: FeatureSettings = field(default_factory=FeatureSettings)
    C: float = 1.0
    nb_mix: float = 0.5
    nb_smoothing: float = 1.0
    smoothing: float = 0.0
    inner_folds: int = 3
    min_units: int = 20
    seed: int = 0

    def __post_init__(self) -> None:
        if not self.C > 0:
            raise ValueError("C must be positive")
        if not 0.0 <= self.nb_mix <= 1.0:
            raise ValueError("nb_mix must be between 0 and 1")
        if not self.nb_smoothing > 0:
            raise ValueError("nb_smoothing must be positive")
        if not 0.0 <= self.smoothing < 1.0:
            raise ValueError("smoothing must be at least 0 and below 1")
        if self.inner_folds < 2:
            raise ValueError("inner_folds must be at least 2")

    def to_dict(self) -> dict[str, Any]:
        return {
            "features": self.features.to_dict(),
            "C": self.C,
            "class_weight": "balanced",
            "learner": LEARNER,
            "nb_mix": self.nb_mix,
            "nb_smoothing": self.nb_smoothing,
            "smoothing": self.smoothing,
            "inner_folds": self.inner_folds,
            "min_units": self.min_units,
            "seed": self.seed,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> ModelSettings:
        return cls(
            features=FeatureSettings.from_dict(raw["features"]),
            C=float(raw["C"]),
            # models stored before the naive-Bayes half existed were plain logistic regressions
            nb_mix=float(raw.get("nb_mix", 0.0)),
            nb_smoothing=float(raw.get("nb_smoothing", 1.0)),
            # models stored before sequence smoothing existed code each turn on its own
            smoothing=float(raw.get("smoothing", 0.0)),
            inner_folds=int(raw["inner_folds"]),
            min_units=int(raw["min_units"]),
            seed=int(raw["seed"]),
        )


@dataclass(frozen=True, slots=True)
class TrainingInfo:
    """What a model learnt from. ``source``: consensus, all or a coder; ``units``: distinct
    turns; ``examples``: training rows (more than units when several coders' codes are used);
    ``counts``: units per value; ``unsettled``: units left out (coders disagree, nothing
    settled); ``data_hash``: SHA-256 of the training transcripts' turns and labels;
    ``calibration``: how probabilities were calibrated, or why not; ``inner_alpha``: alpha of
    the held-out decisions of the inner folds (an estimate from training data, not an
    evaluation); ``converged``: every solver run converged."""

    source: str
    units: int
    examples: int
    transcripts: int
    counts: dict[str, int]
    unsettled: int
    data_hash: str
    calibration: str
    inner_alpha: float | None
    converged: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> TrainingInfo:
        return cls(
            source=str(raw["source"]),
            units=int(raw["units"]),
            examples=int(raw["examples"]),
            transcripts=int(raw["transcripts"]),
            counts={str(k): int(v) for k, v in dict(raw["counts"]).items()},
            unsettled=int(raw["unsettled"]),
            data_hash=str(raw["data_hash"]),
            calibration=str(raw["calibration"]),
            inner_alpha=None if raw["inner_alpha"] is None else float(raw["inner_alpha"]),
            converged=bool(raw["converged"]),
        )


@dataclass(frozen=True, slots=True, eq=False)
class Predictions:
    """Machine codes: ``frame`` has ``transcript``, ``segment``, ``value`` and ``probability``
    (of the coded value), one row per turn the dimension applies to; ``probabilities`` has one
    column per value in ``classes``."""

    frame: pd.DataFrame
    probabilities: np.ndarray
    classes: tuple[str, ...]


@dataclass(frozen=True, slots=True, eq=False)
class MachineModel:
    """A trained machine coder (see the module doc). ``classes``: positions (in
    ``spec.values``) of the values it can code, which are those it saw in training."""

    spec: DimensionSpec
    classes: tuple[int, ...]
    settings: ModelSettings
    word: Vocabulary
    char: Vocabulary
    coef: np.ndarray
    intercept: np.ndarray
    calibration: Calibration
    training: TrainingInfo
    versions: dict[str, str]

    def __post_init__(self) -> None:
        k = len(self.classes)
        n = feature_count(len(self.word), len(self.char), self.spec.roles, self.settings.features)
        if self.coef.shape != (k, n) or self.intercept.shape != (k,):
            raise MachineInputError(
                f"model arrays do not fit: coefficients {self.coef.shape}, expected {(k, n)}"
            )
        if self.calibration.bias.shape != (k,):
            raise MachineInputError("model calibration does not fit its values")

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(self.spec.values[c] for c in self.classes)

    def check_dimension(self, spec: DimensionSpec) -> None:
        """Refuse to code ``spec`` when it is not the dimension this model learnt: another key,
        or the codebook changed its values, roles or scale since training."""
        mine = self.spec
        if spec.key != mine.key:
            raise MachineInputError(f"this model codes {mine.key!r}, not {spec.key!r}")
        changed = [
            what
            for what, a, b in (
                ("values", mine.values, spec.values),
                ("roles", mine.roles, spec.roles),
                ("scale", mine.level, spec.level),
            )
            if a != b
        ]
        if changed:
            raise MachineInputError(
                f"the codebook changed the {', '.join(changed)} of {spec.key!r} since this model "
                f"was trained (codebook {mine.codebook_version!r}, now "
                f"{spec.codebook_version!r}); train a new model"
            )

    def decisions(self, data: MachineData, rows: np.ndarray) -> np.ndarray:
        """Linear decision values (``rows`` x classes) for unit ``rows`` of ``data``; the turn
        texts of the rows' transcripts are read afresh with this model's vocabularies. With
        ``smoothing`` in the settings, every unit of those transcripts is scored and each
        row's values are smoothed with its neighbouring units' (:func:`smooth_decisions`)."""
        weight = self.settings.smoothing
        if weight <= 0:
            return self._linear(data, rows)
        sessions = np.unique(data.session[rows])
        units = np.flatnonzero(data.is_unit & np.isin(data.session, sessions))
        smoothed = smooth_decisions(
            self._linear(data, units),
            data.session[units],
            data.turns["role"].to_numpy()[units],
            weight,
        )
        return smoothed[np.searchsorted(units, rows)]

    def _linear(self, data: MachineData, rows: np.ndarray) -> np.ndarray:
        sessions = np.unique(data.session[rows])
        keep = np.flatnonzero(np.isin(data.session, sessions))
        texts = data.turns["text"].to_numpy()[keep].tolist()
        layout, position = layout_of(data, keep)
        features = unit_features(
            position[rows],
            self.word.tfidf(texts),
            self.char.tfidf(data.turns["text"].to_numpy()[rows].tolist()),
            layout,
            self.spec.roles,
            self.settings.features,
            lexicon_rows(texts) if self.settings.features.uses_lexicon else None,
        )
        coef = self.coef.astype(np.float64)
        return np.asarray(features @ coef.T) + self.intercept.astype(np.float64)

    def code_rows(self, data: MachineData, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Coded value positions (in ``spec.values``) and calibrated probabilities
        (``rows`` x classes) of unit ``rows`` of ``data``."""
        if rows.size == 0:
            return np.zeros(0, dtype=np.int64), np.zeros((0, len(self.classes)))
        decisions = self.decisions(data, rows)
        chosen = self.calibration.decide(decisions)
        log_p = self.calibration.log_probabilities(decisions)
        return np.asarray(self.classes, dtype=np.int64)[chosen], np.exp(log_p)

    def predict(self, turns: pd.DataFrame) -> Predictions:
        """Code every turn of ``turns`` (the turns table of :mod:`socialcoder.machine.data`:
        whole transcripts, all roles) that the dimension applies to."""
        data = prepare(
            turns, pd.DataFrame(columns=["transcript", "segment", "coder", "value"]), self.spec
        )
        rows = data.units
        codes, probabilities = self.code_rows(data, rows)
        chosen = np.searchsorted(np.asarray(self.classes), codes)
        frame = pd.DataFrame(
            {
                "transcript": data.turns["transcript"].to_numpy()[rows],
                "segment": data.turns["segment"].to_numpy()[rows],
                "value": [self.spec.values[c] for c in codes],
                "probability": probabilities[np.arange(rows.size), chosen] if rows.size else [],
            }
        )
        return Predictions(frame, probabilities, self.values)

    def to_bytes(self) -> bytes:
        from socialcoder.machine.serialize import model_to_bytes

        return model_to_bytes(self)

    @classmethod
    def from_bytes(cls, payload: bytes) -> MachineModel:
        from socialcoder.machine.serialize import model_from_bytes

        return model_from_bytes(payload)


def layout_of(data: MachineData, keep: np.ndarray) -> tuple[TurnLayout, np.ndarray]:
    """The layout of the turns ``keep`` (whole transcripts) and each turn's position in it."""
    position = np.full(data.session.size, -1, dtype=np.int64)
    position[keep] = np.arange(keep.size)

    def moved(neighbour: np.ndarray) -> np.ndarray:
        out = np.full(neighbour.size, -1, dtype=np.int64)
        has = neighbour >= 0
        out[has] = position[neighbour[has]]
        return out

    layout = TurnLayout(
        session=np.unique(data.session[keep], return_inverse=True)[1],
        previous=moved(data.previous[keep]),
        following=moved(data.following[keep]),
        roles=data.turns["role"].to_numpy()[keep],
        is_unit=data.is_unit[keep],
        position=data.position[keep],
    )
    return layout, position
