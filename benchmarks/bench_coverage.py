"""Coverage of alpha's 95% bootstrap interval, by simulation with a known true alpha.

Two tables:

1. **Nested data** (issue #11 item 7): segments nested in sessions, two coders, a binary code
   present in 35% of segments; each session has its own accuracy (the chance that a coder's
   value is the truth rather than a draw from the code's prevalence), drawn from U(.55, .98),
   so agreement varies from session to session. The unit bootstrap resamples segments, the
   transcript bootstrap whole sessions. Designs: sessions x segments.
2. **Independent units** (item 5): units with no nesting, accuracy .85, the code at 50% or 5%
   prevalence, 10 to 240 units; whether the sample-size gate (Krippendorff 2019, alpha_min
   .667) would give the interval, and the coverage among the data sets where it would and
   would not.

The true alpha of each model is alpha on 400,000 simulated units. Coverage is the share of
simulated data sets whose interval contains it; with R data sets its standard error is about
sqrt(.95 x .05 / R) (0.010 at R = 500).

Run: ``python benchmarks/bench_coverage.py [--datasets 500] [--replicates 1000] [--seed 1]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from socialcoder.reliability import bootstrap_alpha, krippendorff_alpha, sample_size

NESTED = ((6, 50), (10, 30), (20, 15), (40, 10), (60, 10))
INDEPENDENT = (10, 15, 30, 60, 120, 240)


def nested(
    rng: np.random.Generator,
    sessions: int,
    segments: int,
    *,
    prevalence: float = 0.35,
    accuracy: tuple[float, float] = (0.55, 0.98),
) -> tuple[np.ndarray, np.ndarray]:
    """Two coders x (sessions * segments) binary values, and each unit's session."""
    p = rng.uniform(*accuracy, size=(sessions, 1))
    truth = rng.random((sessions, segments)) < prevalence
    rows = []
    for _ in range(2):
        right = rng.random((sessions, segments)) < p
        guess = rng.random((sessions, segments)) < prevalence
        rows.append(np.where(right, truth, guess).reshape(-1))
    return np.array(rows, dtype=float), np.repeat(np.arange(sessions), segments)


def independent(
    rng: np.random.Generator, units: int, *, prevalence: float, accuracy: float = 0.85
) -> np.ndarray:
    truth = rng.random(units) < prevalence
    rows = []
    for _ in range(2):
        right = rng.random(units) < accuracy
        rows.append(np.where(right, truth, rng.random(units) < prevalence))
    return np.array(rows, dtype=float)


def true_alpha(data: np.ndarray) -> float:
    alpha = krippendorff_alpha(data, "nominal").alpha
    assert alpha is not None
    return alpha


def covers(ci, truth: float) -> bool | None:
    if ci.low is None or ci.high is None:
        return None
    return bool(ci.low <= truth <= ci.high)


def table_nested(datasets: int, replicates: int, rng: np.random.Generator) -> None:
    truth = true_alpha(nested(rng, 20_000, 20)[0])
    print(f"\n1. Nested data: true alpha {truth:.3f} (segments in sessions, accuracy varies)")
    print(f"{'sessions x segments':>20}  {'unit bootstrap':>15}  {'transcript bootstrap':>21}")
    for sessions, segments in NESTED:
        hits = {"unit": [], "transcript": []}
        for _ in range(datasets):
            data, session = nested(rng, sessions, segments)
            seed = int(rng.integers(2**31))
            for by, clusters in (("unit", None), ("transcript", session)):
                ci = bootstrap_alpha(data, replicates=replicates, seed=seed, clusters=clusters)
                hit = covers(ci, truth)
                if hit is not None:
                    hits[by].append(hit)
        print(
            f"{f'{sessions} x {segments}':>20}  {np.mean(hits['unit']):>15.3f}  "
            f"{np.mean(hits['transcript']):>21.3f}"
        )


def table_independent(datasets: int, replicates: int, rng: np.random.Generator) -> None:
    print("\n2. Independent units, accuracy .85 (unit bootstrap)")
    print(
        f"{'prevalence':>10}  {'units':>5}  {'true alpha':>10}  {'gate passed':>11}  "
        f"{'coverage':>8}  {'when given':>10}  {'when withheld':>13}"
    )
    for prevalence in (0.5, 0.05):
        truth = true_alpha(independent(rng, 400_000, prevalence=prevalence))
        for units in INDEPENDENT:
            given, withheld, passed = [], [], 0
            for _ in range(datasets):
                data = independent(rng, units, prevalence=prevalence)
                ci = bootstrap_alpha(data, replicates=replicates, seed=int(rng.integers(2**31)))
                hit = covers(ci, truth)
                enough = sample_size(data, categorical=True).enough
                passed += enough
                if hit is not None:
                    (given if enough else withheld).append(hit)
            every = given + withheld

            def share(values: list[bool]) -> str:
                return f"{np.mean(values):.3f}" if values else "-"

            print(
                f"{prevalence:>10.2f}  {units:>5}  {truth:>10.3f}  {passed / datasets:>11.2f}  "
                f"{share(every):>8}  {share(given):>10}  {share(withheld):>13}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", type=int, default=500)
    parser.add_argument("--replicates", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    start = time.perf_counter()
    print(
        f"Coverage of the 95% interval: {args.datasets} data sets per row, "
        f"{args.replicates} replicates each, seed {args.seed}"
    )
    table_nested(args.datasets, args.replicates, rng)
    table_independent(args.datasets, args.replicates, rng)
    print(f"\n({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
