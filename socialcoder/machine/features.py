"""The feature rows of coding units, and the settings they are built with.

A unit (a turn the dimension applies to) is described by, side by side:

1. the word TF-IDF row of its own text, and 2. the character n-gram TF-IDF row of it
   (fitted on the units' texts only);
3. the word row of the preceding turn and 4. of the following turn (usually the other
   speaker: the question a client answers, the reflection that follows change talk), each
   times ``context_weight``;
5. the word profile of the session: the mean word row of all units of the same transcript,
   cut to its ``session_terms`` heaviest terms and scaled to unit length, times
   ``session_weight`` (sessions differ a lot in how often a value occurs, e.g. sustain talk in
   a resistant client's session, and the whole transcript is at hand when a machine codes it);
6. one indicator per role when the dimension applies to several roles, one for "the same
   speaker as the turn before", and one per ``position_bins``-th of the session the turn falls
   in (small talk opens a session, change talk grows later);
7. optionally (``lexicon_weight`` > 0) the unit's row of the fixed client-language lexicon
   (:mod:`.lexicon`: DARN-CAT categories with and without a negation close by) times
   ``lexicon_weight``, and (``lexicon_context_weight`` > 0) the preceding turn's row times that
   weight.

The defaults are fixed, not tuned per study or fold. They were chosen with cross-validation on
the even-numbered AnnoMI transcripts only (the development half; ``benchmarks/README.md`` says
what was tried); evaluation never tunes anything on its test folds.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from socialcoder.machine.lexicon import LEXICON_VERSION, column_count

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix


@dataclass(frozen=True, slots=True)
class FeatureSettings:
    """How turns become features (see the module doc)."""

    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (2, 5)
    min_df: int = 2
    max_terms: int = 100_000
    context_weight: float = 0.5
    session_weight: float = 0.5
    session_terms: int = 50
    position_bins: int = 5
    lexicon_weight: float = 0.0
    lexicon_context_weight: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "word_ngrams", tuple(int(x) for x in self.word_ngrams))
        object.__setattr__(self, "char_ngrams", tuple(int(x) for x in self.char_ngrams))
        if self.min_df < 1 or self.max_terms < 1:
            raise ValueError("min_df and max_terms must be at least 1")
        if not 0 <= self.position_bins <= 100:
            raise ValueError("position_bins must be between 0 and 100")
        if (
            min(
                self.context_weight,
                self.session_weight,
                self.lexicon_weight,
                self.lexicon_context_weight,
            )
            < 0
        ):
            raise ValueError("feature weights must not be negative")

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["word_ngrams"] = list(self.word_ngrams)
        out["char_ngrams"] = list(self.char_ngrams)
        if self.uses_lexicon:
            out["lexicon_version"] = LEXICON_VERSION
        return out

    @property
    def uses_lexicon(self) -> bool:
        return self.lexicon_weight > 0 or self.lexicon_context_weight > 0

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> FeatureSettings:
        lexicon = raw.get("lexicon_version")
        if lexicon is not None and lexicon != LEXICON_VERSION:
            raise ValueError(
                f"the model was trained with lexicon version {lexicon}, this SocialCoder has "
                f"version {LEXICON_VERSION}; train a new model"
            )
        return cls(
            word_ngrams=tuple(raw["word_ngrams"]),
            char_ngrams=tuple(raw["char_ngrams"]),
            min_df=int(raw["min_df"]),
            max_terms=int(raw["max_terms"]),
            context_weight=float(raw["context_weight"]),
            session_weight=float(raw["session_weight"]),
            session_terms=int(raw["session_terms"]),
            position_bins=int(raw["position_bins"]),
            # settings stored before the lexicon existed have no lexicon
            lexicon_weight=float(raw.get("lexicon_weight", 0.0)),
            lexicon_context_weight=float(raw.get("lexicon_context_weight", 0.0)),
        )


@dataclass(frozen=True, slots=True, eq=False)
class TurnLayout:
    """Where each turn sits: its transcript number, neighbours (-1 for none), role, and
    whether it is a unit of the dimension."""

    session: np.ndarray
    previous: np.ndarray
    following: np.ndarray
    roles: np.ndarray
    is_unit: np.ndarray
    position: np.ndarray


def _rows_of(matrix: csr_matrix, index: np.ndarray) -> csr_matrix:
    """Rows ``index`` of ``matrix``; an index of -1 gives an empty row."""
    from scipy.sparse import csr_matrix, diags

    picked = matrix[np.maximum(index, 0)]
    return csr_matrix(diags((index >= 0).astype(np.float64)) @ picked)


def _top_terms(matrix: csr_matrix, keep: int) -> csr_matrix:
    """Each row's ``keep`` largest entries (ties to the lower column), the rest dropped."""
    from scipy.sparse import csr_matrix

    out = csr_matrix(matrix, copy=True)
    out.sort_indices()
    for r in range(out.shape[0]):
        lo, hi = out.indptr[r], out.indptr[r + 1]
        if hi - lo > keep:
            part = out.data[lo:hi]
            order = np.lexsort((out.indices[lo:hi], -part))
            part[order[keep:]] = 0.0
    out.eliminate_zeros()
    return out


def _session_profiles(word: csr_matrix, layout: TurnLayout, keep: int) -> csr_matrix:
    """One unit-length row per transcript: the mean word row of its units, cut to its ``keep``
    heaviest terms (so that a unit's row stays sparse)."""
    from scipy.sparse import csr_matrix, diags

    n_sessions = int(layout.session.max()) + 1 if layout.session.size else 0
    units = np.flatnonzero(layout.is_unit)
    member = csr_matrix(
        (np.ones(units.size), (layout.session[units], units)),
        shape=(n_sessions, layout.session.size),
    )
    sums = _top_terms(csr_matrix(member @ word), keep)
    norms = np.sqrt(np.asarray(sums.multiply(sums).sum(axis=1)).ravel())
    inverse = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    return csr_matrix(diags(inverse) @ sums)


def indicator_columns(dimension_roles: tuple[str, ...], settings: FeatureSettings) -> int:
    """Indicator columns after the text blocks: one per role (only when several), one for
    "same speaker as before", and one per position bin."""
    roles = len(dimension_roles) if len(dimension_roles) > 1 else 0
    return roles + 1 + settings.position_bins


def unit_features(
    rows: np.ndarray,
    word: csr_matrix,
    char: csr_matrix,
    layout: TurnLayout,
    dimension_roles: tuple[str, ...],
    settings: FeatureSettings,
    lexicon: np.ndarray | None = None,
) -> csr_matrix:
    """Feature rows (``rows`` x features) of the units ``rows`` (positions in ``layout``);
    ``word`` holds the word TF-IDF row of every turn of ``layout``, ``char`` the character
    TF-IDF row of each of ``rows`` (character n-grams describe the unit's own text only);
    ``lexicon`` the lexicon row of every turn of ``layout`` (needed when the settings use
    it)."""
    from scipy.sparse import csr_matrix, hstack

    blocks = [word[rows], char]
    blocks.append(_rows_of(word, layout.previous[rows]) * settings.context_weight)
    blocks.append(_rows_of(word, layout.following[rows]) * settings.context_weight)
    if settings.session_weight > 0:
        profiles = _session_profiles(word, layout, settings.session_terms)
        blocks.append(profiles[layout.session[rows]] * settings.session_weight)
    else:
        blocks.append(csr_matrix((rows.size, word.shape[1])))
    flags: list[np.ndarray] = []
    if len(dimension_roles) > 1:
        flags.extend((layout.roles[rows] == role).astype(np.float64) for role in dimension_roles)
    previous = layout.previous[rows]
    same = np.zeros(rows.size)
    has = previous >= 0
    same[has] = (layout.roles[previous[has]] == layout.roles[rows[has]]).astype(np.float64)
    flags.append(same)
    if settings.position_bins:
        n = settings.position_bins
        bins = np.minimum((layout.position[rows] * n).astype(np.int64), n - 1)
        flags.extend((bins == b).astype(np.float64) for b in range(n))
    blocks.append(csr_matrix(np.column_stack(flags)))
    if settings.uses_lexicon:
        if lexicon is None:
            raise ValueError("these settings need the turns' lexicon rows")
        blocks.append(csr_matrix(lexicon[rows] * settings.lexicon_weight))
        previous_rows = np.where((previous >= 0)[:, None], lexicon[np.maximum(previous, 0)], 0.0)
        blocks.append(csr_matrix(previous_rows * settings.lexicon_context_weight))
    return csr_matrix(hstack(blocks, format="csr"))


def feature_count(
    n_word: int, n_char: int, dimension_roles: tuple[str, ...], settings: FeatureSettings
) -> int:
    lexicon = 2 * column_count() if settings.uses_lexicon else 0
    return 4 * n_word + n_char + indicator_columns(dimension_roles, settings) + lexicon


def smooth_decisions(
    decisions: np.ndarray, session: np.ndarray, roles: np.ndarray, weight: float
) -> np.ndarray:
    """Sequence smoothing: each row's decision values become ``(1 - weight)`` times its own
    plus ``weight`` times the mean of its neighbouring rows' (the row before and the row after
    in the same session with the same role; one alone when the other is missing; its own when
    both are). Rows must be in turn order; ``session`` and ``roles`` are per row. A fixed
    weight, not fitted: a speaker's talk in one stretch of a session tends to be of one kind."""
    out = np.asarray(decisions, dtype=np.float64)
    n = out.shape[0]
    if weight <= 0 or n == 0:
        return out
    neighbours = np.zeros_like(out)
    count = np.zeros(n)
    before = np.full(n, -1, dtype=np.int64)
    last: dict[tuple[object, object], int] = {}
    for i in range(n):
        key = (session[i], roles[i])
        before[i] = last.get(key, -1)
        last[key] = i
    has = before >= 0
    idx = np.flatnonzero(has)
    neighbours[idx] += out[before[idx]]
    count[idx] += 1
    neighbours[before[idx]] += out[idx]  # each row is the "after" of the row before it
    count[before[idx]] += 1
    alone = count == 0
    mean = neighbours / np.maximum(count, 1)[:, None]
    mean[alone] = out[alone]
    return np.asarray((1.0 - weight) * out + weight * mean)
