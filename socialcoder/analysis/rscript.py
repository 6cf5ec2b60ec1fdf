"""An R script that re-fits the lagged design for a reviewer: the same mixed model in lme4
(with lmerTest's Satterthwaite tests), the model without the lagged outcome, and a
random-intercept cross-lagged panel model (RI-CLPM; Hamaker, Kuiper & Grasman 2015) in
lavaan, which separates stable between-patient differences from within-patient carry-over
without the dynamic-panel bias of a lagged outcome next to a random intercept.

The script reads two CSV files written beside it:

* the lagged data set (:attr:`~socialcoder.analysis.lagged.LaggedResult.data`), one row per
  pair of consecutive sessions, with the column names the script uses;
* the wide data set of :func:`riclpm_wide`: one row per participant, ``x_S`` (predictor) and
  ``y_S`` (outcome) for each session number ``S`` that has data. The RI-CLPM treats those
  session numbers as equally spaced waves and holds the lagged paths equal over waves;
  missing values are handled by full-information maximum likelihood.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise

import pandas as pd

from socialcoder.analysis.errors import AnalysisInputError
from socialcoder.analysis.inputs import require_columns
from socialcoder.analysis.lagged import LaggedSpec


def riclpm_wide(frame: pd.DataFrame, outcome: str, predictor: str) -> pd.DataFrame:
    """One row per participant: ``participant``, then ``x_S`` and ``y_S`` per session
    number ``S`` with any predictor or outcome value."""
    require_columns(frame, ["participant", "session", outcome, predictor], table="sessions")
    d = frame.loc[frame["session"].notna(), ["participant", "session", predictor, outcome]]
    d = d.dropna(subset=[predictor, outcome], how="all")
    if d.empty:
        raise AnalysisInputError("no session has the predictor or the outcome")
    d = d.assign(session=d["session"].astype("int64"), participant=d["participant"].astype(str))
    x = d.pivot_table(index="participant", columns="session", values=predictor, aggfunc="first")
    y = d.pivot_table(index="participant", columns="session", values=outcome, aggfunc="first")
    waves = sorted(set(x.columns) | set(y.columns))
    x = x.reindex(columns=waves)
    y = y.reindex(columns=waves)
    x.columns = [f"x_{s}" for s in waves]
    y.columns = [f"y_{s}" for s in waves]
    return pd.concat([x, y], axis=1).reset_index()


def _r_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _riclpm(waves: Sequence[int]) -> list[str]:
    xs = [f"x_{s}" for s in waves]
    ys = [f"y_{s}" for s in waves]
    lines = [
        "  # random intercepts: the stable level of each patient",
        "  RIx =~ " + " + ".join(f"1*{v}" for v in xs),
        "  RIy =~ " + " + ".join(f"1*{v}" for v in ys),
        "  # within-patient components",
    ]
    lines += [f"  wx{s} =~ 1*x_{s}" for s in waves]
    lines += [f"  wy{s} =~ 1*y_{s}" for s in waves]
    lines.append("  # lagged paths, equal over waves: b = predictor (t) -> outcome (t+1)")
    for prev, cur in pairwise(waves):
        lines.append(f"  wx{cur} ~ a*wx{prev} + c*wy{prev}")
        lines.append(f"  wy{cur} ~ b*wx{prev} + d*wy{prev}")
    lines.append("  # (residual) covariances and variances of the within components")
    lines += [f"  wx{s} ~~ wy{s}" for s in waves]
    lines += [f"  wx{s} ~~ wx{s}\n  wy{s} ~~ wy{s}" for s in waves]
    first = waves[0]
    lines += [
        "  RIx ~~ RIx",
        "  RIy ~~ RIy",
        "  RIx ~~ RIy",
        f"  RIx ~~ 0*wx{first}",
        f"  RIx ~~ 0*wy{first}",
        f"  RIy ~~ 0*wx{first}",
        f"  RIy ~~ 0*wy{first}",
        "  # no measurement error beyond the within components",
    ]
    lines += [f"  {v} ~~ 0*{v}" for v in xs + ys]
    return lines


def _header(spec: LaggedSpec, provenance: Mapping[str, str] | None) -> list[str]:
    lines = [
        "# Written by SocialCoder for a reviewer: re-fit the lagged within/between model.",
        f"# Outcome at session t+1: {spec.outcome}; predictor at t: {spec.predictor}; "
        f"control at t: {spec.control}.",
        "# Within-patient predictor: "
        + (
            "residual of the patient's own linear trend."
            if spec.detrend
            else "deviation from the patient's mean."
        ),
    ]
    for key, value in (provenance or {}).items():
        lines.append(f"# {key}: {value}".replace("\n", " "))
    return lines


def r_script(
    spec: LaggedSpec,
    *,
    data_file: str,
    wide_file: str,
    waves: Sequence[int],
    provenance: Mapping[str, str] | None = None,
) -> str:
    """The script text (see the module doc). ``waves`` are the session numbers of the wide
    file (as returned by :func:`riclpm_wide`)."""
    if len(waves) < 3:
        raise AnalysisInputError(
            f"an RI-CLPM needs at least 3 waves (session numbers); the data have {len(waves)}"
        )
    if spec.therapist:
        re_terms = "(1 | therapist) + (1 | therapist:participant)"
        if spec.random_slope:
            re_terms = "(1 | therapist) + (1 + predictor_within | therapist:participant)"
    else:
        re_terms = (
            "(1 + predictor_within | participant)" if spec.random_slope else "(1 | participant)"
        )
    fixed = "outcome_next ~ predictor_within + predictor_between + control"
    out = _header(spec, provenance)
    out += [
        "",
        'if (!requireNamespace("lme4", quietly = TRUE)) stop("install.packages(\'lme4\')")',
        "library(lme4)",
        'has_lmertest <- requireNamespace("lmerTest", quietly = TRUE)',
        "if (has_lmertest) library(lmerTest)  # Satterthwaite df and p for the fixed effects",
        "",
        f"d <- read.csv({_r_string(data_file)}, stringsAsFactors = FALSE)",
        "d$participant <- factor(d$participant)",
        'if ("therapist" %in% names(d)) d$therapist <- factor(d$therapist)',
        "",
        "# 1. The model SocialCoder fitted (REML; statsmodels reports Wald z instead).",
        f"m1 <- lmer({fixed} + {re_terms}, data = d, REML = TRUE)",
        "print(summary(m1))",
        'print(confint(m1, method = "Wald"))',
        "",
        "# 2. Without the lagged outcome: no dynamic-panel bias from the control.",
        f"m0 <- lmer(outcome_next ~ predictor_within + predictor_between + {re_terms}, "
        "data = d, REML = TRUE)",
        "print(summary(m0))",
        "",
        "# 3. Random-intercept cross-lagged panel model (Hamaker, Kuiper & Grasman 2015).",
        'if (!requireNamespace("lavaan", quietly = TRUE)) stop("install.packages(\'lavaan\')")',
        "library(lavaan)",
        f"w <- read.csv({_r_string(wide_file)}, stringsAsFactors = FALSE)",
        "riclpm <- '",
        *_riclpm(waves),
        "'",
        'fit <- lavaan(riclpm, data = w, missing = "ml", meanstructure = TRUE, int.ov.free = TRUE)',
        "print(summary(fit, standardized = TRUE))",
        "",
    ]
    return "\n".join(out)
