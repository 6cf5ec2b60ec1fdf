"""Lag-sequential analysis of coded turns (Bakeman & Quera 2011), one 2x2 table per
given/target code pair.

**Pairs.** For a given code ``R1:D1=v1``, a target code ``R2:D2=v2`` and ``lag`` (default 1),
the pairs are turn ``t`` of role ``R1`` and turn ``t + lag`` of role ``R2`` in the same
transcript (see :mod:`socialcoder.analysis.turns`). Only ``R1 -> R2`` transitions form the
base: pairs of other role sequences (``R1 -> R1`` when one speaker holds two turns in a row,
or every pair when the turns alternate and the lag makes ``R1 -> R2`` impossible) are not
counted as "neither" - they are the structural zeros that GSEQ declares for transitions that
cannot occur, and the table is computed without them. Pairs never cross transcripts. A pair
where the given turn's or the target turn's value is missing is left out and counted.

**The table.** ``a`` = given and target, ``b`` = given and not target, ``c`` = not given and
target, ``d`` = neither; ``N = a + b + c + d``.

* transitional probability ``a / (a + b)``;
* expected count of ``a`` ``(a + b)(a + c) / N``;
* adjusted residual (Allison & Liker 1982; Bakeman & Quera 2011)
  ``(a - e) / sqrt(e (1 - (a + b)/N) (1 - (a + c)/N))``, which equals Haberman's adjusted
  residual of the 2x2 table. It is read as a z score only when expected counts are not small:
  a warning is given when any cell's expected count is below :data:`MIN_EXPECTED`;
* Yule's Q ``(ad - bc) / (ad + bc)`` from the raw counts (``None`` when ``ad + bc = 0``);
* odds ratio ``ad / bc`` with the 95% interval ``exp(ln OR +- 1.96 sqrt(1/a + 1/b + 1/c +
  1/d))`` (Woolf). **Zero cells:** when any cell is 0, 0.5 is added to every cell for the odds
  ratio and its interval (Haldane-Anscombe) and ``odds_ratio_correction`` says so; when a
  whole row or column of the table is empty, the odds ratio is ``None``.

A pooled table treats every pair as independent, so it is descriptive. Yule's Q is also
computed per session (transcript) and summarised as the mean over sessions with a defined Q,
with a bootstrap interval that resamples participants.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from socialcoder.analysis._common import (
    MIN_BOOT_CLUSTERS,
    N_BOOT,
    Interval,
    as_list,
    cluster_weights,
    percentile_interval,
)
from socialcoder.analysis.errors import AnalysisInputError, CodeSpecError, TooFewUnitsError
from socialcoder.analysis.turns import Code, check_turns, parse_code, role_codes
from socialcoder.domain.codebook import Codebook

#: Below this expected count (in any cell) the adjusted residual is not to be read as z.
MIN_EXPECTED = 5.0
Z95 = 1.959963984540054


@dataclass(frozen=True, slots=True)
class TwoByTwo:
    """The statistics of one 2x2 table (see the module doc)."""

    a: int
    b: int
    c: int
    d: int
    transitional_probability: float | None
    expected: float | None
    adjusted_residual: float | None
    yules_q: float | None
    odds_ratio: float | None
    odds_ratio_ci95: Interval | None
    odds_ratio_correction: str | None
    min_expected: float | None
    warnings: tuple[str, ...] = field(default=())

    @property
    def n(self) -> int:
        return self.a + self.b + self.c + self.d

    def to_dict(self) -> dict[str, Any]:
        return {
            "counts": {"a": self.a, "b": self.b, "c": self.c, "d": self.d},
            "n": self.n,
            "transitional_probability": self.transitional_probability,
            "expected": self.expected,
            "adjusted_residual": self.adjusted_residual,
            "yules_q": self.yules_q,
            "odds_ratio": self.odds_ratio,
            "odds_ratio_ci95": as_list(self.odds_ratio_ci95),
            "odds_ratio_correction": self.odds_ratio_correction,
            "min_expected": self.min_expected,
            "warnings": list(self.warnings),
        }


def yules_q(a: float, b: float, c: float, d: float) -> float | None:
    den = a * d + b * c
    return None if den == 0 else (a * d - b * c) / den


def two_by_two(a: int, b: int, c: int, d: int) -> TwoByTwo:
    """All statistics of the table ``[[a, b], [c, d]]`` (rows: given / not given; columns:
    target / not target)."""
    a, b, c, d = int(a), int(b), int(c), int(d)
    if min(a, b, c, d) < 0:
        raise AnalysisInputError("a 2x2 table cannot hold negative counts")
    n = a + b + c + d
    warnings: list[str] = []
    row, col = a + b, a + c
    tp = a / row if row else None
    if n == 0:
        return TwoByTwo(
            a=a,
            b=b,
            c=c,
            d=d,
            transitional_probability=None,
            expected=None,
            adjusted_residual=None,
            yules_q=None,
            odds_ratio=None,
            odds_ratio_ci95=None,
            odds_ratio_correction=None,
            min_expected=None,
            warnings=("no pairs in the table",),
        )
    e = row * col / n
    exp_cells = [row * col / n, row * (n - col) / n, (n - row) * col / n, (n - row) * (n - col) / n]
    min_e = min(exp_cells)
    var = e * (1 - row / n) * (1 - col / n)
    z = (a - e) / math.sqrt(var) if var > 0 else None
    empty_margin = 0 in (row, col, n - row, n - col)
    if empty_margin:
        warnings.append(
            "the given or the target code never (or always) occurs in these pairs; "
            "the adjusted residual and the odds ratio are undefined"
        )
    elif min_e < MIN_EXPECTED:
        warnings.append(
            f"smallest expected count {min_e:.2f} is below {MIN_EXPECTED:g}: do not read the "
            "adjusted residual as a z score"
        )
    q = yules_q(a, b, c, d)
    odds = ci = corr = None
    if not empty_margin:
        cells = np.array([a, b, c, d], dtype=float)
        if (cells == 0).any():
            cells = cells + 0.5
            corr = "haldane_anscombe_0.5"
        ca, cb, cc, cd = cells
        odds = float(ca * cd / (cb * cc))
        half = Z95 * math.sqrt(float((1.0 / cells).sum()))
        ci = (math.exp(math.log(odds) - half), math.exp(math.log(odds) + half))
    return TwoByTwo(
        a=a,
        b=b,
        c=c,
        d=d,
        transitional_probability=tp,
        expected=e,
        adjusted_residual=z,
        yules_q=q,
        odds_ratio=odds,
        odds_ratio_ci95=ci,
        odds_ratio_correction=corr,
        min_expected=min_e,
        warnings=tuple(warnings),
    )


@dataclass(frozen=True, slots=True)
class SessionQ:
    """Yule's Q of one session (transcript); ``None`` with a ``reason`` when undefined."""

    transcript: str
    participant: str
    session: int | None
    a: int
    b: int
    c: int
    d: int
    yules_q: float | None
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "transcript": self.transcript,
            "participant": self.participant,
            "session": self.session,
            "counts": {"a": self.a, "b": self.b, "c": self.c, "d": self.d},
            "yules_q": self.yules_q,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class QSummary:
    """Mean of the per-session Yule's Q with a participant-level bootstrap interval."""

    mean: float | None
    ci95: Interval | None
    sessions: int
    participants: int
    replicates: int
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "mean": self.mean,
            "ci95": as_list(self.ci95),
            "sessions": self.sessions,
            "participants": self.participants,
            "bootstrap_replicates": self.replicates,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class SequentialTable:
    given: Code
    target: Code
    lag: int
    table: TwoByTwo
    left_out_missing: int
    per_session: tuple[SessionQ, ...]
    session_q: QSummary

    def to_dict(self, *, per_session: bool = True) -> dict[str, Any]:
        out = {
            "given": self.given.spec,
            "target": self.target.spec,
            "lag": self.lag,
            **self.table.to_dict(),
            "left_out_missing": self.left_out_missing,
            "session_yules_q": self.session_q.to_dict(),
        }
        if per_session:
            out["sessions"] = [s.to_dict() for s in self.per_session]
        return out


@dataclass(frozen=True, slots=True)
class SequentialResult:
    """One or more given x target tables for one role sequence and lag.

    ``base_pairs`` counts the ``R1 -> R2`` pairs at this lag; ``other_role_pairs`` the pairs
    left out as structural zeros (another role sequence)."""

    given_role: str
    target_role: str
    lag: int
    base_pairs: int
    other_role_pairs: int
    sessions: int
    participants: int
    tables: tuple[SequentialTable, ...]
    n_boot: int
    seed: int | None

    def table(self, given: str, target: str) -> SequentialTable:
        for t in self.tables:
            if t.given.spec == given and t.target.spec == target:
                return t
        raise KeyError((given, target))

    def residual_matrix(self) -> pd.DataFrame:
        """Adjusted residuals, given codes x target codes (NaN where undefined; for plots)."""
        frame = pd.DataFrame(
            [(t.given.spec, t.target.spec, t.table.adjusted_residual) for t in self.tables],
            columns=["given", "target", "z"],
        )
        return frame.pivot(index="given", columns="target", values="z").astype(float)

    def per_session_frame(self) -> pd.DataFrame:
        """Per-session Yule's Q of every table, one row per table x session (for export)."""
        rows = [
            {"given": t.given.spec, "target": t.target.spec, "lag": t.lag, **s.to_dict()}
            for t in self.tables
            for s in t.per_session
        ]
        frame = pd.DataFrame(rows)
        if len(frame):
            counts = pd.json_normalize(frame.pop("counts").tolist())
            frame = pd.concat([frame, counts], axis=1)
        return frame

    def to_dict(self, *, per_session: bool = False) -> dict[str, Any]:
        return {
            "given_role": self.given_role,
            "target_role": self.target_role,
            "lag": self.lag,
            "base": f"{self.given_role} -> {self.target_role} turn pairs at lag {self.lag}",
            "base_pairs": self.base_pairs,
            "other_role_pairs": self.other_role_pairs,
            "sessions": self.sessions,
            "participants": self.participants,
            "bootstrap": {"replicates": self.n_boot, "seed": self.seed, "unit": "participant"},
            "min_expected_for_z": MIN_EXPECTED,
            "tables": [t.to_dict(per_session=per_session) for t in self.tables],
        }


def _pairs(
    turns: pd.DataFrame,
    lag: int,
    given_role: str,
    target_role: str,
    given_dims: Sequence[str],
    target_dims: Sequence[str],
) -> tuple[pd.DataFrame, int]:
    """Pairs ``(t, t + lag)`` within transcripts with role ``given_role`` then
    ``target_role``: given-side values as ``g:DIM``, target-side as ``t:DIM``."""
    left = turns[["transcript", "participant", "session", "segment", "role", *given_dims]]
    right = turns[["transcript", "segment", "role", *target_dims]]
    left = left.rename(columns={d: f"g:{d}" for d in given_dims})
    right = right.rename(columns={d: f"t:{d}" for d in target_dims} | {"role": "role_next"})
    right = right.assign(segment=right["segment"] - lag)
    pairs = left.merge(right, on=["transcript", "segment"], how="inner")
    base = (pairs["role"] == given_role) & (pairs["role_next"] == target_role)
    other = int((~base & (pairs["role"] == given_role)).sum())
    return pairs[base].reset_index(drop=True), other


def _summary(
    per: list[SessionQ], n_boot: int, rng: np.random.Generator | None, confidence: float
) -> QSummary:
    defined = [s for s in per if s.yules_q is not None]
    k = len({s.participant for s in defined})
    if not defined:
        return QSummary(
            mean=None,
            ci95=None,
            sessions=0,
            participants=0,
            replicates=0,
            reason="no session has a defined Yule's Q",
        )
    q = np.array([s.yules_q for s in defined], dtype=float)
    mean = float(q.mean())
    if rng is None or n_boot <= 0:
        return QSummary(
            mean=mean,
            ci95=None,
            sessions=len(defined),
            participants=k,
            replicates=0,
            reason="no bootstrap asked for",
        )
    if k < MIN_BOOT_CLUSTERS:
        return QSummary(
            mean=mean,
            ci95=None,
            sessions=len(defined),
            participants=k,
            replicates=0,
            reason=f"{k} participants (at least {MIN_BOOT_CLUSTERS} needed for an interval)",
        )
    clusters = pd.factorize(pd.Series([s.participant for s in defined]))[0]
    w = cluster_weights(rng, clusters, n_boot).astype(float)
    total = w.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        boot = (w @ q) / total
    ci, used, why = percentile_interval(boot, confidence)
    return QSummary(
        mean=mean, ci95=ci, sessions=len(defined), participants=k, replicates=used, reason=why
    )


def _session_q(pairs: pd.DataFrame, g: pd.Series, t: pd.Series) -> list[SessionQ]:
    frame = pd.DataFrame(
        {
            "transcript": pairs["transcript"],
            "participant": pairs["participant"].astype(str),
            "session": pairs["session"],
            "a": g & t,
            "b": g & ~t,
            "c": ~g & t,
            "d": ~g & ~t,
        }
    )
    out = []
    sums = frame.groupby(["transcript", "participant"], sort=True, dropna=False).agg(
        session=("session", "first"),
        a=("a", "sum"),
        b=("b", "sum"),
        c=("c", "sum"),
        d=("d", "sum"),
    )
    for (tr, pid), row in sums.iterrows():
        a, b, c, d = (int(row[x]) for x in "abcd")
        q = yules_q(a, b, c, d)
        session = None if pd.isna(row["session"]) else int(row["session"])
        reason = None if q is not None else "ad + bc = 0 (a whole row or column is empty)"
        out.append(
            SessionQ(
                transcript=str(tr),
                participant=str(pid),
                session=session,
                a=a,
                b=b,
                c=c,
                d=d,
                yules_q=q,
                reason=reason,
            )
        )
    return out


def sequential(
    turns: pd.DataFrame,
    given: Sequence[str | Code] | str | Code,
    target: Sequence[str | Code] | str | Code,
    *,
    lag: int = 1,
    codebook: Codebook | None = None,
    n_boot: int = N_BOOT,
    seed: int | None = None,
    confidence: float = 0.95,
) -> SequentialResult:
    """Every given x target 2x2 table at ``lag`` (see the module doc). Codes are
    ``ROLE:DIM[=VALUE]`` strings or :class:`Code` values; all given codes must share one role,
    and so must all target codes."""
    if isinstance(lag, bool) or not isinstance(lag, int | np.integer) or lag < 1:
        raise AnalysisInputError(f"lag must be a whole number of turns, at least 1 (not {lag!r})")
    givens = [given] if isinstance(given, str | Code) else list(given)
    targets = [target] if isinstance(target, str | Code) else list(target)
    if not givens or not targets:
        raise AnalysisInputError("name at least one given and one target code")
    g_codes = [c if isinstance(c, Code) else parse_code(c, codebook) for c in givens]
    t_codes = [c if isinstance(c, Code) else parse_code(c, codebook) for c in targets]
    for codes, what in ((g_codes, "given"), (t_codes, "target")):
        if len({c.role for c in codes}) > 1:
            raise AnalysisInputError(f"all {what} codes must be on turns of one role")
    check_turns(turns)
    for c in (*g_codes, *t_codes):
        if c.dimension not in turns.columns:
            raise CodeSpecError(c.spec, f"the turns table has no column {c.dimension!r}")
    g_role, t_role = g_codes[0].role, t_codes[0].role
    g_dims = list(dict.fromkeys(c.dimension for c in g_codes))
    t_dims = list(dict.fromkeys(c.dimension for c in t_codes))
    pairs, other = _pairs(turns, int(lag), g_role, t_role, g_dims, t_dims)
    if pairs.empty:
        raise TooFewUnitsError(
            "sequential analysis",
            f"{g_role} -> {t_role} turn pairs at lag {lag}",
            0,
            1,
            hint="these transitions do not occur in the turns given (structural zeros)",
        )
    rng = np.random.default_rng(seed) if n_boot > 0 else None
    tables = []
    for gc in g_codes:
        for tc in t_codes:
            gv, tv = pairs[f"g:{gc.dimension}"], pairs[f"t:{tc.dimension}"]
            known = gv.notna() & tv.notna()
            sub = pairs[known]
            gm = (gv[known] == gc.value).astype(bool)
            tm = (tv[known] == tc.value).astype(bool)
            both = int((gm & tm).sum())  # a, b, c and d of the table above
            given_only = int((gm & ~tm).sum())
            target_only = int((~gm & tm).sum())
            neither = int((~gm & ~tm).sum())
            per = _session_q(sub, gm, tm)
            tables.append(
                SequentialTable(
                    given=gc,
                    target=tc,
                    lag=int(lag),
                    table=two_by_two(both, given_only, target_only, neither),
                    left_out_missing=int((~known).sum()),
                    per_session=tuple(per),
                    session_q=_summary(per, n_boot, rng, confidence),
                )
            )
    return SequentialResult(
        given_role=g_role,
        target_role=t_role,
        lag=int(lag),
        base_pairs=len(pairs),
        other_role_pairs=other,
        sessions=int(pairs["transcript"].nunique()),
        participants=int(pairs["participant"].nunique()),
        tables=tuple(tables),
        n_boot=n_boot,
        seed=seed,
    )


def sequential_matrix(
    turns: pd.DataFrame,
    codebook: Codebook,
    given_role: str = "therapist",
    target_role: str = "patient",
    *,
    lag: int = 1,
    n_boot: int = N_BOOT,
    seed: int | None = None,
) -> SequentialResult:
    """The whole matrix: every code of ``given_role``'s turns (see
    :func:`~socialcoder.analysis.turns.role_codes`) against every code of ``target_role``'s."""
    g = role_codes(codebook, parse_code(f"{given_role}:x", None).role)
    t = role_codes(codebook, parse_code(f"{target_role}:x", None).role)
    for codes, role in ((g, given_role), (t, target_role)):
        if not codes:
            raise AnalysisInputError(f"the codebook has no turn-level code on {role} turns")
    return sequential(turns, g, t, lag=lag, codebook=codebook, n_boot=n_boot, seed=seed)
