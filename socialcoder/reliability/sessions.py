"""Reliability of session-level scores: how far one coder's score of a session can be trusted.

Data shape: *long* arrays with one entry per (coder, session) score -- ``sessions`` and
``coders`` (labels), ``values`` (floats; NaN entries are dropped), and for the reliability of
within-patient change ``persons`` (the patient of each session). At most one score per coder
and session. Sessions need not all be coded by the same coders: the rotating designs that
``socialcoder assign`` makes (one coder per session, a share double-coded by varying pairs) are
the normal case.

The model (two-way random effects, one score per cell, so the session x coder interaction is
part of the residual)::

    y[s, j] = mu + t[s] + r[j] + e[s, j]      var(t) = sigma2_session, var(r) = sigma2_coder

**The figure.** The reliability of *one* coder's score, for absolute agreement::

    rho = sigma2_session / (sigma2_session + sigma2_coder + sigma2_residual)

This is McGraw & Wong's (1996) ICC(A,1), and it is Putka, Le, McCloy & Diaz's (2008) G(q,k)
with k = 1 (one coder per session) and q = 1 (the coder's leniency counts fully as error, as
when every session's score may come from a different coder). Putka's q for a design where some
sessions share a coder is below 1, so q = 1 is the conservative choice; it is the one that
equals ICC(A,1) on a fully crossed design.

**Estimation.** Variance components by Henderson's Method III (fitting constants): with
``SSE(X)`` the residual sum of squares of the fixed-effects model with factors X,

* ``sigma2_residual = SSE(session, coder) / df_E``
* ``R(coder | session) = SSE(session) - SSE(session, coder)`` has expectation
  ``df_C * sigma2_residual + (N - sum_s sum_j n_sj^2 / n_s) * sigma2_coder``
* ``R(session | coder) = SSE(coder) - SSE(session, coder)`` has expectation
  ``df_S * sigma2_residual + (N - sum_j sum_s n_sj^2 / n_j) * sigma2_session``

(``df`` from the ranks of the design matrices, so disconnected designs are handled). The
estimator is unbiased for any design, needs no iteration, and on a fully crossed design its
quadratic forms are the two-way ANOVA sums of squares, so the figure *is* ICC(A,1). Estimates
are not truncated at zero (a negative component is zero within sampling error; keeping it
keeps the identity with ICC(A,1)).

**Interval.** McGraw & Wong's F-based 95% interval for ICC(A,1) (Satterthwaite's approximation
of the denominator's degrees of freedom, after Fleiss & Shrout 1978), written with each mean
square's own expectation multiplier ``E[MS] = sigma2_residual + k * sigma2``. On a fully
crossed design the multipliers are the numbers of coders and sessions and the interval is
McGraw & Wong's exactly; on an incomplete design the same approximation is applied to the
Method III mean squares (its coverage on rotating designs is checked by simulation in the
tests). Bounds are clipped to [-1, 1].

**Within-patient change** (Cranford et al. 2006): sessions are nested in patients, so the
session component splits into a between-patient and a within-patient part. ``R(session |
patient, coder)`` estimates the within-patient component, and the reliability of one coder's
score for within-patient change is::

    sigma2_within / (sigma2_within + sigma2_coder + sigma2_residual)

Cranford's R_C with coders in place of items; the coder component stays in the error because
coders rotate over a patient's sessions. Same interval method. A patient x coder interaction is
not modelled (it is part of the residual and the within-patient component).

Pure functions: no database, no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

#: Fewer sessions coded by two or more coders than this: no figure.
MIN_DOUBLE_CODED = 3
#: Fewer than this many double-coded sessions earns a note (Koo & Li 2016 recommend >= 30).
FEW_DOUBLE_CODED = 10
#: A residual variance below this share of the total counts as exact agreement (rounding).
EXACT = 1e-12


class Undefined(ValueError):
    """A figure is not defined for these data; the message says why, for a lead to read."""


@dataclass(frozen=True, slots=True)
class MeanSquare:
    """``ms`` on ``df`` degrees of freedom with ``E[ms] = sigma2_residual + k * sigma2``."""

    ms: float
    df: float
    k: float


@dataclass(frozen=True, slots=True)
class Components:
    """Variance components of scores and the mean squares they were estimated from.

    ``target`` is the session component (or, for change, the within-patient session
    component); ``coder`` the coders' leniency; ``residual`` everything else."""

    target: float
    coder: float
    residual: float
    target_ms: MeanSquare
    coder_ms: MeanSquare
    residual_df: float

    def to_dict(self) -> dict[str, float]:
        return {"target": self.target, "coder": self.coder, "residual": self.residual}


@dataclass(frozen=True, slots=True)
class Estimate:
    """A reliability figure with its 95% interval (``None`` with a note when undefined)."""

    value: float
    ci95: tuple[float, float] | None
    components: Components
    notes: tuple[str, ...] = ()


def _codes(labels: ArrayLike) -> tuple[np.ndarray, int]:
    arr = np.asarray(labels, dtype=object)
    _, codes = np.unique(arr.astype(str), return_inverse=True)
    return codes.astype(np.int64), int(codes.max()) + 1 if len(codes) else 0


def _demean(x: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """``x`` (1-D or 2-D, rows = observations) minus its group means."""
    counts = np.bincount(groups, minlength=n_groups).astype(float)
    if x.ndim == 1:
        return x - (np.bincount(groups, x, minlength=n_groups) / counts)[groups]
    out = np.empty_like(x, dtype=float)
    for c in range(x.shape[1]):
        col = x[:, c]
        out[:, c] = col - (np.bincount(groups, col, minlength=n_groups) / counts)[groups]
    return out


def _basis(x: np.ndarray) -> np.ndarray:
    """An orthonormal basis of the column space of ``x`` (rank decided by SVD)."""
    if x.size == 0:
        return np.zeros((x.shape[0], 0))
    u, s, _ = np.linalg.svd(x, full_matrices=False)
    tol = s.max(initial=0.0) * max(x.shape) * np.finfo(float).eps * 16
    return u[:, s > max(tol, 1e-9)]


@dataclass(frozen=True, slots=True)
class _Fit:
    """Residual sum of squares of ``y ~ group + coder`` and the basis used for the coders."""

    sse: float
    rank: int
    coder_basis: np.ndarray


def _fit(y: np.ndarray, groups: np.ndarray, n_groups: int, dummies: np.ndarray) -> _Fit:
    """Least squares of ``y`` on a group factor (absorbed) and coder dummies."""
    yc = _demean(y, groups, n_groups)
    q = _basis(_demean(dummies, groups, n_groups))
    fitted = q.T @ yc
    return _Fit(float(yc @ yc - fitted @ fitted), n_groups + q.shape[1], q)


def _ss_within(y: np.ndarray, groups: np.ndarray, n_groups: int) -> float:
    r = _demean(y, groups, n_groups)
    return float(r @ r)


def _cell_trace(a: np.ndarray, b: np.ndarray, n_b: int) -> float:
    """``tr(Z_a' P_b Z_a)`` for factors a and b: sum over b-levels of sum_a n_ab^2 / n_b."""
    keys, counts = np.unique(a.astype(np.int64) * n_b + b, return_counts=True)
    per_b = np.bincount(b, minlength=n_b).astype(float)
    return float((counts.astype(float) ** 2 / per_b[keys % n_b]).sum())


@dataclass(frozen=True, slots=True)
class _Design:
    y: np.ndarray
    sessions: np.ndarray
    n_sessions: int
    coders: np.ndarray
    n_coders: int
    dummies: np.ndarray
    full: _Fit

    @property
    def n(self) -> int:
        return len(self.y)


def _design(sessions: ArrayLike, coders: ArrayLike, values: ArrayLike) -> _Design:
    y = np.asarray(values, dtype=float)
    s, n_s = _codes(sessions)
    c, n_c = _codes(coders)
    if not (len(y) == len(s) == len(c)):
        raise ValueError("sessions, coders and values must have the same length")
    if len(np.unique(s * max(n_c, 1) + c)) != len(y):
        raise ValueError("a coder has more than one score for a session")
    dummies = np.zeros((len(y), n_c))
    dummies[np.arange(len(y)), c] = 1.0
    return _Design(
        y=y,
        sessions=s,
        n_sessions=n_s,
        coders=c,
        n_coders=n_c,
        dummies=dummies,
        full=_fit(y, s, n_s, dummies),
    )


def _residual_and_coder(d: _Design) -> tuple[float, float, MeanSquare]:
    df_e = d.n - d.full.rank
    if df_e <= 0:
        raise Undefined("no residual degrees of freedom: too few sessions coded by two coders")
    ms_e = d.full.sse / df_e
    df_c = d.full.rank - d.n_sessions
    if df_c <= 0:
        raise Undefined("no session was coded by two or more coders")
    r_coder = _ss_within(d.y, d.sessions, d.n_sessions) - d.full.sse
    coef = d.n - _cell_trace(d.coders, d.sessions, d.n_sessions)
    coder_ms = MeanSquare(r_coder / df_c, df_c, coef / df_c)
    return ms_e, df_e, coder_ms


def _components(target: MeanSquare, coder: MeanSquare, ms_e: float, df_e: float) -> Components:
    return Components(
        target=(target.ms - ms_e) / target.k,
        coder=(coder.ms - ms_e) / coder.k,
        residual=ms_e,
        target_ms=target,
        coder_ms=coder,
        residual_df=df_e,
    )


def crossed_components(sessions: ArrayLike, coders: ArrayLike, values: ArrayLike) -> Components:
    """Henderson Method III variance components of sessions x coders (any design)."""
    d = _design(sessions, coders, values)
    ms_e, df_e, coder_ms = _residual_and_coder(d)
    df_t = d.full.rank - d.n_coders
    if df_t <= 0:
        raise Undefined("fewer than two sessions")
    r_target = _ss_within(d.y, d.coders, d.n_coders) - d.full.sse
    coef = d.n - _cell_trace(d.sessions, d.coders, d.n_coders)
    return _components(MeanSquare(r_target / df_t, df_t, coef / df_t), coder_ms, ms_e, df_e)


def within_person_components(
    persons: ArrayLike, sessions: ArrayLike, coders: ArrayLike, values: ArrayLike
) -> Components:
    """Henderson Method III components with sessions nested in persons; ``target`` is the
    within-person (session-to-session) component. A session's person must be the same on
    every row."""
    d = _design(sessions, coders, values)
    p, n_p = _codes(persons)
    if len(p) != d.n:
        raise ValueError("persons must have the same length as values")
    person_of = np.full(d.n_sessions, -1)
    person_of[d.sessions] = p
    if np.any(person_of[d.sessions] != p):
        raise ValueError("a session belongs to more than one person")
    ms_e, df_e, coder_ms = _residual_and_coder(d)
    reduced = _fit(d.y, p, n_p, d.dummies)
    df_w = d.full.rank - reduced.rank
    if df_w <= 0:
        raise Undefined("no patient has two or more sessions with scores")
    r_within = reduced.sse - d.full.sse
    q = reduced.coder_basis
    sums = (
        np.stack(
            [np.bincount(d.sessions, q[:, c], minlength=d.n_sessions) for c in range(q.shape[1])],
            axis=1,
        )
        if q.shape[1]
        else np.zeros((d.n_sessions, 0))
    )
    trace = _cell_trace(d.sessions, p, n_p) + float((sums**2).sum())
    target = MeanSquare(r_within / df_w, df_w, (d.n - trace) / df_w)
    return _components(target, coder_ms, ms_e, df_e)


def two_way_components(matrix: ArrayLike) -> Components:
    """Two-way ANOVA components of a complete ``sessions x coders`` matrix (no NaN)."""
    x = np.asarray(matrix, dtype=float)
    if x.ndim != 2 or np.isnan(x).any():
        raise ValueError("expected a complete sessions x coders matrix")
    n, k = x.shape
    if n < 2 or k < 2:
        raise Undefined("a fully crossed design needs at least two sessions and two coders")
    grand = x.mean()
    ss_rows = k * float(((x.mean(axis=1) - grand) ** 2).sum())
    ss_cols = n * float(((x.mean(axis=0) - grand) ** 2).sum())
    ss_err = float(((x - grand) ** 2).sum()) - ss_rows - ss_cols
    df_e = (n - 1) * (k - 1)
    return _components(
        MeanSquare(ss_rows / (n - 1), n - 1, k),
        MeanSquare(ss_cols / (k - 1), k - 1, n),
        ss_err / df_e,
        df_e,
    )


def g_qk(c: Components, q: float = 1.0, k: float = 1.0) -> float:
    """Putka et al.'s (2008) G(q,k) = target / (target + q * coder + residual / k)."""
    return c.target / (c.target + q * c.coder + c.residual / k)


def absolute_agreement(c: Components, level: float = 0.95) -> Estimate:
    """ICC(A,1) = G(1,1) from components, with McGraw & Wong's F-based interval."""
    total = c.target + c.coder + c.residual
    if not total > 0:
        raise Undefined("no variance: the scores do not differ")
    rho = c.target / total
    notes: list[str] = []
    if c.coder < -EXACT * total:  # below rounding error: a numerical zero earns no note
        notes.append(
            f"the coder variance estimate is negative ({c.coder:.3g}), i.e. zero within "
            "sampling error; it is kept so that the figure equals ICC(A,1)"
        )
    ms_t, df_t, k_t = c.target_ms.ms, c.target_ms.df, c.target_ms.k
    ms_c, df_c, k_c = c.coder_ms.ms, c.coder_ms.df, c.coder_ms.k
    ms_e, df_e = c.residual, c.residual_df
    if c.residual <= EXACT * total or rho >= 1:
        notes.append("the coders agree exactly: no error variance, so no interval")
        return Estimate(rho, None, c, tuple(notes))
    a = k_t * rho / (k_c * (1 - rho))
    b = 1 + k_t * rho * (k_c - 1) / (k_c * (1 - rho))
    combo = a * ms_c + b * ms_e
    spread = (a * ms_c) ** 2 / df_c + (b * ms_e) ** 2 / df_e
    v = combo**2 / spread if spread > 0 else np.nan
    if not (np.isfinite(v) and v > 0):
        notes.append("the interval is not defined for these mean squares")
        return Estimate(rho, None, c, tuple(notes))
    tail = 1 - (1 - level) / 2
    f_lo = float(stats.f.ppf(tail, df_t, v))
    f_hi = float(stats.f.ppf(tail, v, df_t))
    spread_term = k_t * ms_c + (k_t * k_c - k_t - k_c) * ms_e
    lower_den = f_lo * spread_term + k_c * ms_t
    upper_den = spread_term + k_c * f_hi * ms_t
    lower = k_c * (ms_t - f_lo * ms_e) / lower_den if lower_den > 0 else np.nan
    upper = k_c * (f_hi * ms_t - ms_e) / upper_den if upper_den > 0 else np.nan
    # McGraw & Wong's bounds hold only where both denominators are positive and the bounds
    # enclose the estimate; with a negative coder (or target) component they need not (the
    # sample study's change reliability of goal agreement gave 0.241 with [0.805, 1.000]).
    # Such an interval is not reported: sorting and clipping it, as before, hid the defect.
    if not (np.isfinite(lower) and np.isfinite(upper) and lower - 1e-9 <= rho <= upper + 1e-9):
        notes.append(
            "no interval: McGraw & Wong's F-based bounds do not enclose the estimate for these "
            "mean squares (a negative variance component); too few double-coded sessions"
        )
        return Estimate(rho, None, c, tuple(notes))
    # clipped to [-1, 1], or as far as the estimate itself lies outside it (a negative target
    # component can put ICC(A,1) below -1)
    bounds = (max(float(lower), min(-1.0, rho)), min(float(upper), max(1.0, rho)))
    return Estimate(rho, bounds, c, tuple(notes))


def icc_a1(matrix: ArrayLike, level: float = 0.95) -> Estimate:
    """McGraw & Wong's ICC(A,1) of a complete ``sessions x coders`` matrix, with its
    F-based interval (Shrout & Fleiss's ICC(2,1))."""
    return absolute_agreement(two_way_components(matrix), level)


@dataclass(frozen=True, slots=True)
class ScoreReliability:
    """Everything about one session-level score: the design it was coded in, ICC(A,1) where
    the double-coded sessions are fully crossed, G(q,k) = G(1,1) on every session, and why a
    figure is missing (``*_reason``)."""

    n_sessions: int
    n_double_coded: int
    n_scores: int
    coders: tuple[str, ...]
    fully_crossed: bool
    icc: Estimate | None
    icc_sessions: int
    icc_coders: tuple[str, ...]
    icc_reason: str | None
    g: Estimate | None
    g_reason: str | None
    notes: tuple[str, ...] = ()

    @property
    def raters_per_session(self) -> float | None:
        return self.n_scores / self.n_sessions if self.n_sessions else None

    @property
    def method(self) -> str | None:
        """The figure that fits the design: ``ICC(A,1)`` (fully crossed) or ``G(q,k)``."""
        if self.g is None and self.icc is None:
            return None
        return "ICC(A,1)" if self.fully_crossed else "G(q,k)"


@dataclass(frozen=True, slots=True)
class ChangeReliability:
    """Reliability of one coder's score for within-patient change (Cranford et al. 2006)."""

    n_patients: int  # patients with two or more sessions with scores
    n_sessions: int  # sessions of those patients
    estimate: Estimate | None
    reason: str | None
    notes: tuple[str, ...] = field(default_factory=tuple)


def _clean(*arrays: ArrayLike) -> list[np.ndarray]:
    """The arrays (as object arrays, the last as float) without rows whose value is NaN, in
    the order of their labels (the first array's first). A coder scores a session once, so
    that is one order whatever the rows' order, and the sums and decompositions that follow
    give the same figures to the bit (in the rows' order, 15 of 20 random designs gave other
    last bits when their rows were shuffled)."""
    values = np.asarray(arrays[-1], dtype=float)
    keep = ~np.isnan(values)
    labels = [np.asarray(a, dtype=object)[keep] for a in arrays[:-1]]
    order = np.lexsort([label.astype(str) for label in reversed(labels)])
    return [label[order] for label in labels] + [values[keep][order]]


def _precheck(sessions: np.ndarray, values: np.ndarray) -> tuple[int, int, str | None]:
    """Numbers of sessions and double-coded sessions, and the reason no figure exists."""
    names, counts = np.unique(sessions.astype(str), return_counts=True)
    n_sessions, n_double = len(names), int((counts >= 2).sum())
    if not len(values):
        return 0, 0, "no completed scores (no coder has completed a session with this score)"
    if n_double == 0:
        return n_sessions, 0, "no session was completed by two or more coders"
    if n_double < MIN_DOUBLE_CODED:
        return (
            n_sessions,
            n_double,
            f"only {n_double} session(s) completed by two or more coders; at least "
            f"{MIN_DOUBLE_CODED} are needed",
        )
    if np.ptp(values) == 0:
        return n_sessions, n_double, f"no variance: every score is {values[0]:g}"
    return n_sessions, n_double, None


def _crossed_block(
    sessions: np.ndarray, coders: np.ndarray
) -> tuple[list[str], tuple[str, ...], bool]:
    """The sessions coded by every coder that appears in a double-coded session, those
    coders, and whether that block is the whole design (fully crossed)."""
    by_session: dict[str, set[str]] = {}
    for s, c in zip(sessions.astype(str), coders.astype(str), strict=True):
        by_session.setdefault(s, set()).add(c)
    shared = set().union(*(cs for cs in by_session.values() if len(cs) >= 2))
    block = sorted(s for s, cs in by_session.items() if cs >= shared)
    whole = len(block) == len(by_session) and all(cs == shared for cs in by_session.values())
    return block, tuple(sorted(shared)), whole


def _icc_of_block(
    sessions: np.ndarray,
    coders: np.ndarray,
    values: np.ndarray,
    block: list[str],
    shared: tuple[str, ...],
) -> tuple[Estimate | None, str | None]:
    if len(block) < MIN_DOUBLE_CODED:
        how_many = f"only {len(block)} session(s) were" if block else "no session was"
        return None, (
            f"not a fully crossed design: {how_many} completed by all of {', '.join(shared)} "
            "(the coders of the double-coded sessions); see G(q,k)"
        )
    row = {s: i for i, s in enumerate(block)}
    col = {c: j for j, c in enumerate(shared)}
    matrix = np.full((len(block), len(shared)), np.nan)
    for s, c, v in zip(sessions.astype(str), coders.astype(str), values, strict=True):
        if s in row and c in col:
            matrix[row[s], col[c]] = v
    try:
        return icc_a1(matrix), None
    except Undefined as exc:
        return None, str(exc)


def score_reliability(
    sessions: ArrayLike, coders: ArrayLike, values: ArrayLike
) -> ScoreReliability:
    """The reliability of one coder's score (see the module doc) from long arrays: one entry
    per (coder, session) score; NaN values are dropped."""
    s, c, y = _clean(sessions, coders, values)
    n_sessions, n_double, reason = _precheck(s, y)
    coder_names = tuple(sorted(set(c.astype(str))))
    if reason is not None:
        return ScoreReliability(
            n_sessions=n_sessions,
            n_double_coded=n_double,
            n_scores=len(y),
            coders=coder_names,
            fully_crossed=False,
            icc=None,
            icc_sessions=0,
            icc_coders=(),
            icc_reason=reason,
            g=None,
            g_reason=reason,
        )
    block, shared, whole = _crossed_block(s, c)
    icc, icc_reason = _icc_of_block(s, c, y, block, shared)
    g: Estimate | None = None
    g_reason: str | None = None
    try:
        g = absolute_agreement(crossed_components(s, c, y))
    except Undefined as exc:
        g_reason = str(exc)
    notes: list[str] = []
    if n_double < FEW_DOUBLE_CODED:
        notes.append(
            f"only {n_double} double-coded sessions: the interval is wide (30 or more are "
            "advisable)"
        )
    for est in (g, icc):
        if est is not None:
            notes.extend(n for n in est.notes if n not in notes)
    if g is not None and g.value < 0:
        notes.append("negative: coders differ more within sessions than sessions differ")
    return ScoreReliability(
        n_sessions=n_sessions,
        n_double_coded=n_double,
        n_scores=len(y),
        coders=coder_names,
        fully_crossed=whole,
        icc=icc,
        icc_sessions=len(block) if icc is not None else 0,
        icc_coders=shared if icc is not None else (),
        icc_reason=icc_reason,
        g=g,
        g_reason=g_reason,
        notes=tuple(notes),
    )


def change_reliability(
    persons: ArrayLike, sessions: ArrayLike, coders: ArrayLike, values: ArrayLike
) -> ChangeReliability:
    """Reliability of one coder's score for within-patient change (see the module doc)."""
    p, s, c, y = _clean(persons, sessions, coders, values)
    sessions_of: dict[str, set[str]] = {}
    for person, session in zip(p.astype(str), s.astype(str), strict=True):
        sessions_of.setdefault(person, set()).add(session)
    repeated = {k: v for k, v in sessions_of.items() if len(v) >= 2}
    n_sessions = sum(len(v) for v in repeated.values())
    _, _, reason = _precheck(s, y)
    if reason is None and not repeated:
        reason = "no patient has two or more sessions with scores"
    if reason is not None:
        return ChangeReliability(len(repeated), n_sessions, None, reason)
    try:
        est = absolute_agreement(within_person_components(p, s, c, y))
    except Undefined as exc:
        return ChangeReliability(len(repeated), n_sessions, None, str(exc))
    return ChangeReliability(
        n_patients=len(repeated), n_sessions=n_sessions, estimate=est, reason=None, notes=est.notes
    )


def _rounded(x: float | None, digits: int = 6) -> float | None:
    return None if x is None else round(float(x), digits) + 0.0  # + 0.0: no "-0.0"


def estimate_json(est: Estimate | None) -> dict[str, Any]:
    """``value``, ``ci95`` and ``components`` of an estimate (all ``None`` when undefined)."""
    if est is None:
        return {"value": None, "ci95": None, "components": None}
    return {
        "value": _rounded(est.value),
        "ci95": None if est.ci95 is None else [_rounded(est.ci95[0]), _rounded(est.ci95[1])],
        "components": {k: _rounded(v) for k, v in est.components.to_dict().items()},
    }


__all__ = [
    "ChangeReliability",
    "Components",
    "Estimate",
    "MeanSquare",
    "ScoreReliability",
    "Undefined",
    "absolute_agreement",
    "change_reliability",
    "crossed_components",
    "estimate_json",
    "g_qk",
    "icc_a1",
    "score_reliability",
    "two_way_components",
    "within_person_components",
]
