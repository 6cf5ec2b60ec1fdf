"""Session-level correlations: pooled, between patients and within patients.

For each named pair ``(x, y)`` of a :class:`~socialcoder.analysis.inputs.SessionTable`
(default: every session rating and measure against every code rate), over the sessions where
both are present:

* ``n``, Spearman's rho with its p (``p``; scipy's t approximation) and Pearson's r with
  its p - both treat the sessions as independent, which sessions of one patient are not;
* ``ci95``: a bootstrap interval for rho that resamples **participants** (all sessions of a
  drawn participant enter together; percentile interval; ``pearson_ci95`` likewise for r);
* ``p_adjusted``: Benjamini-Hochberg over the p of all pairs shown;
* ``between_r``: Pearson r of the participant means (one value per participant);
* ``within_r``: the repeated-measures correlation (rmcorr; Bakdash & Marusich 2017): the
  common within-participant slope of an ANCOVA ``y ~ participant + x``, as a correlation
  ``r = sxy / sqrt(sxx * syy)`` of the participant-centred values, with
  ``df = N - k - 1`` (N sessions, k participants), ``t = r sqrt(df / (1 - r^2))`` and a
  Fisher-z interval with standard error ``1 / sqrt(df - 1)``.

Anything that cannot be computed (too few sessions or participants, a variable that does
not vary) is ``None`` with a note saying why, never NaN.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from socialcoder.analysis._common import (
    MIN_BOOT_CLUSTERS,
    N_BOOT,
    Interval,
    as_list,
    benjamini_hochberg,
    cluster_weights,
    num,
    percentile_interval,
    weighted_pearson,
    weighted_ranks,
)
from socialcoder.analysis.errors import AnalysisInputError
from socialcoder.analysis.inputs import CODE_RATE, MEASURE, RATING, SessionTable

#: Fewer complete sessions than this: no correlation.
MIN_SESSIONS = 3
#: Below this many sessions the t approximation of rho's p is rough (noted).
FEW_FOR_P = 10
#: Replicates per batch of the bootstrap (bounds memory).
_BATCH = 250

METHOD = (
    "Spearman rho and Pearson r over sessions; bootstrap percentile interval resampling "
    "participants; Benjamini-Hochberg adjusted p over all pairs; between-patient r of "
    "participant means; within-patient repeated-measures correlation (rmcorr)"
)


@dataclass(frozen=True, slots=True)
class RepeatedMeasuresCorrelation:
    """rmcorr (Bakdash & Marusich 2017); ``r`` is ``None`` with a ``reason`` when undefined."""

    r: float | None
    df: int
    p: float | None
    ci95: Interval | None
    n: int
    participants: int
    reason: str | None = None


def rmcorr(
    x: Sequence[float] | np.ndarray,
    y: Sequence[float] | np.ndarray,
    participant: Sequence[object] | np.ndarray,
    *,
    confidence: float = 0.95,
) -> RepeatedMeasuresCorrelation:
    """Repeated-measures correlation of ``x`` and ``y`` (one value each per observation)
    with ``participant`` ids; rows with a missing value are left out."""
    from scipy import stats

    frame = pd.DataFrame({"x": x, "y": y, "p": participant}).dropna()
    n = len(frame)
    k = int(frame["p"].nunique())
    df = n - k - 1
    if df < 2:
        return RepeatedMeasuresCorrelation(
            r=None,
            df=df,
            p=None,
            ci95=None,
            n=n,
            participants=k,
            reason=f"{n} observations of {k} participants leave {df} degrees of freedom (at least 2 needed)",
        )
    xc = frame["x"] - frame.groupby("p")["x"].transform("mean")
    yc = frame["y"] - frame.groupby("p")["y"].transform("mean")
    sxx, syy, sxy = float((xc * xc).sum()), float((yc * yc).sum()), float((xc * yc).sum())
    scale = max(1.0, float(frame[["x", "y"]].abs().to_numpy().max()))
    for name, ss in (("x", sxx), ("y", syy)):
        if ss <= (1e-12 * scale) ** 2 * n:
            return RepeatedMeasuresCorrelation(
                r=None,
                df=df,
                p=None,
                ci95=None,
                n=n,
                participants=k,
                reason=f"{name} does not vary within participants",
            )
    r = float(np.clip(sxy / np.sqrt(sxx * syy), -1.0, 1.0))
    if abs(r) >= 1.0:
        p = 0.0
        ci = (r, r)
    else:
        t = r * np.sqrt(df / (1.0 - r * r))
        p = float(2.0 * stats.t.sf(abs(t), df))
        z = np.arctanh(r)
        half = stats.norm.ppf(0.5 + confidence / 2.0) / np.sqrt(df - 1)
        ci = (float(np.tanh(z - half)), float(np.tanh(z + half)))
    return RepeatedMeasuresCorrelation(r=r, df=df, p=p, ci95=ci, n=n, participants=k)


@dataclass(frozen=True, slots=True)
class PairCorrelation:
    """All figures for one ``(x, y)`` pair; ``to_dict()`` is its JSON item."""

    x: str
    y: str
    n: int
    participants: int
    spearman_rho: float | None
    p: float | None
    pearson_r: float | None
    pearson_p: float | None
    ci95: Interval | None
    pearson_ci95: Interval | None
    bootstrap_replicates: int
    between_r: float | None
    between_p: float | None
    between_n: int
    within: RepeatedMeasuresCorrelation
    p_adjusted: float | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def within_r(self) -> float | None:
        return self.within.r

    def to_dict(self) -> dict[str, Any]:
        return {
            "x": self.x,
            "y": self.y,
            "n": self.n,
            "participants": self.participants,
            "spearman_rho": self.spearman_rho,
            "pearson_r": self.pearson_r,
            "ci95": as_list(self.ci95),
            "p": self.p,
            "p_adjusted": self.p_adjusted,
            "pearson_p": self.pearson_p,
            "pearson_ci95": as_list(self.pearson_ci95),
            "bootstrap_replicates": self.bootstrap_replicates,
            "between_r": self.between_r,
            "between_p": self.between_p,
            "between_n": self.between_n,
            "within_r": self.within.r,
            "within_df": self.within.df,
            "within_p": self.within.p,
            "within_ci95": as_list(self.within.ci95),
            "notes": list(self.notes),
        }


@dataclass(frozen=True, slots=True)
class CorrelationResult:
    """The correlations of one session table; ``to_dict()`` is the JSON document
    ``{"sessions", "participants", "pairs": [...], ...}``."""

    sessions: int
    participants: int
    pairs: tuple[PairCorrelation, ...]
    rate: str
    n_boot: int
    seed: int | None
    confidence: float = 0.95
    excluded_incomplete: int = 0
    method: str = METHOD

    def to_dict(self) -> dict[str, Any]:
        return {
            "sessions": self.sessions,
            "participants": self.participants,
            "rate": self.rate,
            "excluded_incomplete": self.excluded_incomplete,
            "bootstrap": {"replicates": self.n_boot, "seed": self.seed, "unit": "participant"},
            "confidence": self.confidence,
            "method": self.method,
            "pairs": [p.to_dict() for p in self.pairs],
        }


def default_pairs(table: SessionTable) -> list[tuple[str, str]]:
    """Every session rating and measure (x) against every code rate (y)."""
    return [(x, y) for x in table.names(RATING, MEASURE) for y in table.names(CODE_RATE)]


def _bootstrap(x: np.ndarray, y: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Spearman rho and Pearson r in every weighted replicate (NaN where undefined)."""
    rho = np.empty(weights.shape[0])
    r = np.empty(weights.shape[0])
    for start in range(0, weights.shape[0], _BATCH):
        w = weights[start : start + _BATCH]
        rho[start : start + _BATCH] = weighted_pearson(
            weighted_ranks(x, w), weighted_ranks(y, w), w
        )
        r[start : start + _BATCH] = weighted_pearson(x, y, w)
    return rho, r


def _varies(values: np.ndarray) -> bool:
    return values.size > 1 and bool(np.ptp(values) > 1e-12 * max(1.0, np.abs(values).max()))


def _pair(
    frame: pd.DataFrame,
    x: str,
    y: str,
    weights: np.ndarray | None,
    confidence: float,
) -> PairCorrelation:
    from scipy import stats

    data = frame[["participant", x, y]].dropna()
    xv = data[x].to_numpy(dtype=float)
    yv = data[y].to_numpy(dtype=float)
    n = len(data)
    k = int(data["participant"].nunique())
    notes: list[str] = []
    rho = p = r = pr = None
    ci = pci = None
    used = 0
    if n < MIN_SESSIONS:
        notes.append(f"{n} sessions with both values (at least {MIN_SESSIONS} needed)")
    elif not _varies(xv) or not _varies(yv):
        notes.append(f"{x if not _varies(xv) else y} does not vary over these sessions")
    else:
        rho_res = stats.spearmanr(xv, yv)
        rho, p = num(rho_res.statistic), num(rho_res.pvalue)
        pr_res = stats.pearsonr(xv, yv)
        r, pr = num(pr_res.statistic), num(pr_res.pvalue)
        if rho is None:
            notes.append("Spearman rho is undefined (ranks do not vary)")
        elif n < FEW_FOR_P:
            notes.append(f"{n} sessions: the p of rho (t approximation) is rough below {FEW_FOR_P}")
        if weights is None:
            pass
        elif k < MIN_BOOT_CLUSTERS:
            notes.append(
                f"no bootstrap interval: {k} participants (at least {MIN_BOOT_CLUSTERS} needed)"
            )
        else:
            w = weights[:, data.index.to_numpy()]
            boot_rho, boot_r = _bootstrap(xv, yv, w)
            ci, used, why = percentile_interval(boot_rho, confidence)
            pci, _, _ = percentile_interval(boot_r, confidence)
            if why:
                notes.append(f"no bootstrap interval: {why}")
    means = data.groupby("participant", observed=True)[[x, y]].mean()
    bn = len(means)
    br = bp = None
    if bn >= MIN_SESSIONS and _varies(means[x].to_numpy()) and _varies(means[y].to_numpy()):
        res = stats.pearsonr(means[x].to_numpy(), means[y].to_numpy())
        br, bp = num(res.statistic), num(res.pvalue)
    elif n >= MIN_SESSIONS:
        notes.append(
            f"no between-patient r: {bn} participants"
            + ("" if bn >= MIN_SESSIONS else f" (at least {MIN_SESSIONS} needed)")
            + ("" if bn < MIN_SESSIONS else "; participant means do not vary")
        )
    within = rmcorr(xv, yv, data["participant"].to_numpy(), confidence=confidence)
    if within.reason and n >= MIN_SESSIONS:
        notes.append(f"no within-patient r: {within.reason}")
    return PairCorrelation(
        x=x,
        y=y,
        n=n,
        participants=k,
        spearman_rho=rho,
        p=p,
        pearson_r=r,
        pearson_p=pr,
        ci95=ci,
        pearson_ci95=pci,
        bootstrap_replicates=used,
        between_r=br,
        between_p=bp,
        between_n=bn,
        within=within,
        p_adjusted=None,
        notes=tuple(notes),
    )


def correlations(
    table: SessionTable,
    pairs: Sequence[tuple[str, str]] | None = None,
    *,
    n_boot: int = N_BOOT,
    seed: int | None = None,
    confidence: float = 0.95,
) -> CorrelationResult:
    """Correlations of the named ``pairs`` (default: :func:`default_pairs`); ``n_boot = 0``
    skips the bootstrap. ``seed`` makes the intervals reproducible."""
    if pairs is None:
        pairs = default_pairs(table)
        if not pairs:
            raise AnalysisInputError(
                "no pairs to correlate: the table has no session rating or measure, or no code rate"
            )
    for x, y in pairs:
        table.variable(x)
        table.variable(y)
    if not 0.0 < confidence < 1.0:
        raise AnalysisInputError(f"confidence must lie between 0 and 1, not {confidence}")
    frame = table.frame.reset_index(drop=True)
    clusters = pd.factorize(frame["participant"])[0]
    weights = None
    if n_boot > 0 and len(frame):
        rng = np.random.default_rng(seed)
        weights = cluster_weights(rng, clusters, n_boot)
    results = [_pair(frame, x, y, weights, confidence) for x, y in pairs]
    adjusted = benjamini_hochberg([pc.p for pc in results])
    results = [replace(pc, p_adjusted=adj) for pc, adj in zip(results, adjusted, strict=True)]
    return CorrelationResult(
        sessions=len(frame),
        participants=table.participants,
        pairs=tuple(results),
        rate=table.rate,
        n_boot=n_boot,
        seed=seed,
        confidence=confidence,
        excluded_incomplete=table.excluded_incomplete,
    )
