"""Training a machine coder on coded turns.

1. Examples come from the chosen source (:meth:`MachineData.training_examples`); fewer than
   ``min_units`` coded units, or a single value among them, is refused with the numbers.
2. The vocabularies and idf weights are fitted on the training transcripts without labels:
   word n-grams on every turn (all roles: neighbours are features), character n-grams on the
   units; see :mod:`.text`.
3. Per value, one-vs-rest, the average of two L2-regularised logistic regressions
   (scikit-learn's liblinear, balanced class weights, fixed ``C``) on the features of
   :mod:`.features`: one on the features as they are, one on the features scaled by the
   value's naive-Bayes log-count ratios (NB-LR, Wang & Manning 2012; see :func:`fit_linear`).
   Both are linear in the features, so their average is one linear model and a stored model
   codes as before.
4. Calibration (:mod:`.calibration`) is fitted on decision values the
   classifier gave for held-out turns: ``inner_folds`` folds of the *training* transcripts,
   grouped like the evaluation's folds. The inner folds reuse the training vocabulary (fitted
   without labels). Nothing of a test fold is ever seen: evaluation calls this with the
   training folds only.

scikit-learn and scipy are imported inside the functions that need them, so that the command
line starts without them.
"""

from __future__ import annotations

import platform
import warnings
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

import numpy as np

from socialcoder.machine.calibration import Calibration, calibrate
from socialcoder.machine.data import SOURCE_CONSENSUS, Examples, MachineData
from socialcoder.machine.errors import OneValueError, TooFewUnitsError
from socialcoder.machine.features import smooth_decisions, unit_features
from socialcoder.machine.folds import assign_folds, group_sessions
from socialcoder.machine.lexicon import lexicon_rows
from socialcoder.machine.model import MachineModel, ModelSettings, TrainingInfo, layout_of
from socialcoder.machine.text import CHAR, WORD, Analyzer, count_terms, select_vocabulary, weigh

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix


@dataclass(frozen=True, slots=True, eq=False)
class Corpus:
    """Term counts over all terms seen (columns ``*_terms``): word terms of every turn of
    ``data``, character terms of its units (other rows are empty); a training run keeps the
    columns its vocabulary selects. Built once per evaluation."""

    data: MachineData
    word_counts: csr_matrix
    word_terms: list[str]
    char_counts: csr_matrix
    char_terms: list[str]
    word: Analyzer
    char: Analyzer
    lexicon: np.ndarray | None = None

    @classmethod
    def build(cls, data: MachineData, settings: ModelSettings) -> Corpus:
        texts = data.turns["text"].tolist()
        word = Analyzer(WORD, *settings.features.word_ngrams)
        char = Analyzer(CHAR, *settings.features.char_ngrams)
        word_index: dict[str, int] = {}
        char_index: dict[str, int] = {}
        word_counts = count_terms(texts, word, word_index, grow=True)
        units = data.units
        unit_counts = count_terms([texts[i] for i in units], char, char_index, grow=True)
        char_counts = _spread(unit_counts, units, len(texts))
        lexicon = lexicon_rows(texts) if settings.features.uses_lexicon else None
        return cls(
            data, word_counts, list(word_index), char_counts, list(char_index), word, char, lexicon
        )


def _spread(counts: csr_matrix, rows: np.ndarray, n_rows: int) -> csr_matrix:
    """``counts`` placed at ``rows`` of an otherwise empty ``n_rows``-row matrix."""
    from scipy.sparse import csr_matrix

    coo = counts.tocoo()
    return csr_matrix((coo.data, (rows[coo.row], coo.col)), shape=(n_rows, counts.shape[1]))


def library_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in ("socialcoder", "numpy", "scipy", "scikit-learn"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "unknown"
    return out


def check_examples(data: MachineData, examples: Examples, settings: ModelSettings) -> None:
    """Refuse too few coded units or a single value, with the numbers."""
    units = examples.units()
    if units < settings.min_units:
        hint = (
            f"{examples.unsettled} more are unsettled disagreements" if examples.unsettled else ""
        )
        raise TooFewUnitsError(
            f"coded units of {data.spec.key!r} to learn from", units, settings.min_units, hint
        )
    counts = examples.counts(data.spec.values)
    if sum(1 for n in counts.values() if n) < 2:
        raise OneValueError(data.spec.key, counts)


def nb_ratios(
    features: csr_matrix, target: np.ndarray, weights: np.ndarray, smoothing: float
) -> np.ndarray:
    """Naive-Bayes log-count ratio of each feature for ``target`` (booleans) against the rest:
    ``r = ln((p / |p|) / (q / |q|))`` with ``p = smoothing + `` the weighted number of target
    rows in which the feature is present (non-zero), ``q`` the same over the other rows."""
    present = features.copy()
    present.data = (present.data != 0).astype(np.float64)
    w = np.asarray(weights, dtype=np.float64)
    p = smoothing + np.asarray(present.T @ (w * target)).ravel()
    q = smoothing + np.asarray(present.T @ (w * ~target)).ravel()
    return np.asarray(np.log(p / p.sum()) - np.log(q / q.sum()))


def fit_linear(
    features: csr_matrix,
    labels: np.ndarray,
    weights: np.ndarray,
    n_classes: int,
    C: float,
    seed: int,
    nb_mix: float = 0.0,
    nb_smoothing: float = 1.0,
) -> tuple[np.ndarray, np.ndarray, bool]:
    """One-vs-rest linear models: coefficients (classes x features), intercepts, and whether
    every run converged. Each value's model is ``(1 - nb_mix)`` times a logistic regression on
    ``features`` plus ``nb_mix`` times one on ``features`` scaled column-wise by the value's
    :func:`nb_ratios` ``r`` (whose coefficients ``w`` on the scaled features are ``w * r`` on
    the features as they are). The runs are sequential: liblinear draws from one global random
    generator, so runs in parallel threads would interleave its draws and give a different
    model each time."""
    from scipy.sparse import csr_matrix, diags
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    max_iter = 1000

    def logistic(x: csr_matrix, target: np.ndarray) -> tuple[np.ndarray, float, bool]:
        learner = LogisticRegression(
            C=C,
            solver="liblinear",
            dual=True,
            class_weight="balanced",
            random_state=seed,
            max_iter=max_iter,
        )
        learner.fit(x, target, sample_weight=weights)
        done = bool(np.max(learner.n_iter_) < max_iter)
        return learner.coef_[0], float(learner.intercept_[0]), done

    def one(c: int) -> tuple[np.ndarray, float, bool]:
        target = (labels == c).astype(np.int64)
        if target.min() == target.max():  # the value is absent (or alone) here
            return np.zeros(features.shape[1]), 10.0 if target[0] else -10.0, True
        coef = np.zeros(features.shape[1])
        intercept, done = 0.0, True
        if nb_mix < 1.0:
            w, b, ok = logistic(features, target)
            coef += (1.0 - nb_mix) * w
            intercept += (1.0 - nb_mix) * b
            done &= ok
        if nb_mix > 0.0:
            r = nb_ratios(features, target.astype(bool), weights, nb_smoothing)
            w, b, ok = logistic(csr_matrix(features @ diags(r)), target)
            coef += nb_mix * (w * r)
            intercept += nb_mix * b
            done &= ok
        return coef, intercept, done

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # reported as ``converged``
        fitted = [one(c) for c in range(n_classes)]
    coef = np.vstack([f[0] for f in fitted]) if fitted else np.zeros((0, features.shape[1]))
    intercept = np.asarray([f[1] for f in fitted])
    return coef, intercept, all(f[2] for f in fitted)


def _held_out_calibration(
    data: MachineData,
    features: csr_matrix,
    sessions: np.ndarray,
    labels: np.ndarray,
    weights: np.ndarray,
    numbers: np.ndarray,
    settings: ModelSettings,
    rows: np.ndarray,
) -> tuple[Calibration, str, float | None, bool]:
    """Calibration from inner folds of the training sessions; identity (and why) when the
    training data cannot be split so that every value is learnt in every inner fold."""
    k = numbers.size
    used = np.unique(sessions)
    participants, therapists = data.people()
    grouping = group_sessions(
        [participants[s] for s in used], [therapists[s] for s in used], settings.inner_folds
    )
    sizes = np.bincount(np.searchsorted(used, sessions), minlength=used.size)
    try:
        fold_of_session = assign_folds(grouping.groups, sizes, settings.inner_folds, settings.seed)
    except TooFewUnitsError:
        return (
            Calibration.identity(k),
            (
                f"none: {used.size} training transcript(s) cannot be split into "
                f"{settings.inner_folds} inner folds"
            ),
            None,
            True,
        )
    fold = fold_of_session[np.searchsorted(used, sessions)]
    held_out = np.zeros((labels.size, k))
    converged = True
    for f in range(settings.inner_folds):
        train = fold != f
        if np.unique(labels[train]).size < k:
            return (
                Calibration.identity(k),
                (
                    "none: a value is missing from the training part of an inner fold "
                    "(too few transcripts hold it)"
                ),
                None,
                converged,
            )
        coef, intercept, ok = fit_linear(
            features[train],
            labels[train],
            weights[train],
            k,
            settings.C,
            settings.seed,
            settings.nb_mix,
            settings.nb_smoothing,
        )
        converged &= ok
        held_out[~train] = np.asarray(features[~train] @ coef.T) + intercept
    if settings.smoothing > 0:
        # smoothed over the training units, as a stored model smooths over a transcript's
        unique_rows, first, inverse = np.unique(rows, return_index=True, return_inverse=True)
        held_out = smooth_decisions(
            held_out[first],
            data.session[unique_rows],
            data.turns["role"].to_numpy()[unique_rows],
            settings.smoothing,
        )[inverse]
    calibration, alpha = calibrate(held_out, labels, weights, numbers, data.spec.level)
    how = (
        f"temperature and bias fitted on {settings.inner_folds} inner folds "
        f"of the training transcripts grouped by {grouping.by}"
    )
    return calibration, how, alpha, converged


def fit(corpus: Corpus, examples: Examples, settings: ModelSettings) -> MachineModel:
    """Train on ``examples`` (rows of ``corpus.data``); see the module doc."""
    data = corpus.data
    check_examples(data, examples, settings)
    fs = settings.features
    sessions = np.unique(data.session[examples.rows])
    docs = np.flatnonzero(np.isin(data.session, sessions))
    word_vocab, word_cols = select_vocabulary(
        corpus.word,
        corpus.word_counts,
        corpus.word_terms,
        docs,
        min_df=fs.min_df,
        max_terms=fs.max_terms,
    )
    char_vocab, char_cols = select_vocabulary(
        corpus.char,
        corpus.char_counts,
        corpus.char_terms,
        docs[data.is_unit[docs]],
        min_df=fs.min_df,
        max_terms=fs.max_terms,
    )
    word = weigh(corpus.word_counts[docs][:, word_cols], word_vocab.idf)
    layout, position = layout_of(data, docs)
    unique_rows, inverse = np.unique(examples.rows, return_inverse=True)
    char = weigh(corpus.char_counts[unique_rows][:, char_cols], char_vocab.idf)
    lexicon = None
    if fs.uses_lexicon:
        lexicon = (
            corpus.lexicon[docs]
            if corpus.lexicon is not None
            else lexicon_rows(data.turns["text"].to_numpy()[docs].tolist())
        )
    features = unit_features(
        position[unique_rows], word, char, layout, data.spec.roles, fs, lexicon
    )
    features = features[inverse]
    classes = np.unique(examples.labels)
    labels = np.searchsorted(classes, examples.labels)
    numbers = np.asarray(data.spec.numbers)[classes]
    calibration, how, inner_alpha, converged = _held_out_calibration(
        data,
        features,
        data.session[examples.rows],
        labels,
        examples.weights,
        numbers,
        settings,
        examples.rows,
    )
    coef, intercept, ok = fit_linear(
        features,
        labels,
        examples.weights,
        classes.size,
        settings.C,
        settings.seed,
        settings.nb_mix,
        settings.nb_smoothing,
    )
    info = TrainingInfo(
        source=examples.source,
        units=examples.units(),
        examples=len(examples),
        transcripts=int(sessions.size),
        counts=examples.counts(data.spec.values),
        unsettled=examples.unsettled,
        data_hash=data.fingerprint(examples),
        calibration=how,
        inner_alpha=inner_alpha,
        converged=converged and ok,
    )
    return MachineModel(
        spec=data.spec,
        classes=tuple(int(c) for c in classes),
        settings=settings,
        word=word_vocab,
        char=char_vocab,
        coef=coef.astype(np.float32),
        intercept=intercept.astype(np.float32),
        calibration=calibration,
        training=info,
        versions=library_versions(),
    )


def train(
    data: MachineData, *, source: str = SOURCE_CONSENSUS, settings: ModelSettings | None = None
) -> MachineModel:
    """A machine coder for ``data.spec`` trained on ``source`` (see
    :meth:`MachineData.training_examples`)."""
    settings = settings or ModelSettings()
    examples = data.training_examples(source)
    check_examples(data, examples, settings)
    return fit(Corpus.build(data, settings), examples, settings)
