"""Coverage of alpha's bootstrap interval, by simulation with a known true alpha (issue #11,
items 5 and 7). Small and seeded; benchmarks/bench_coverage.py prints the full tables.

Model: two coders, a binary code; a coder's value is the truth with probability ``p`` (else a
draw from the code's prevalence). Nested data: ``p`` varies between sessions, U(.55, .98). The
true alpha is alpha on 200,000 simulated units of the same model."""

from __future__ import annotations

import numpy as np

from socialcoder.reliability import bootstrap_alpha, krippendorff_alpha, sample_size


def _nested(rng: np.random.Generator, sessions: int, segments: int) -> tuple[np.ndarray, ...]:
    p = rng.uniform(0.55, 0.98, size=(sessions, 1))
    truth = rng.random((sessions, segments)) < 0.35
    rows = [
        np.where(rng.random(truth.shape) < p, truth, rng.random(truth.shape) < 0.35).reshape(-1)
        for _ in range(2)
    ]
    return np.array(rows, dtype=float), np.repeat(np.arange(sessions), segments)


def _independent(rng: np.random.Generator, units: int, prevalence: float) -> np.ndarray:
    truth = rng.random(units) < prevalence
    rows = [
        np.where(rng.random(units) < 0.85, truth, rng.random(units) < prevalence) for _ in range(2)
    ]
    return np.array(rows, dtype=float)


def _coverage(hits: list[bool]) -> float:
    return float(np.mean(hits))


def test_resampling_transcripts_covers_where_resampling_segments_does_not() -> None:
    rng = np.random.default_rng(2026)
    truth = krippendorff_alpha(_nested(rng, 10_000, 20)[0], "nominal").alpha
    assert truth is not None
    unit, transcript = [], []
    for _ in range(150):
        data, session = _nested(rng, 6, 50)
        seed = int(rng.integers(2**31))
        by_unit = bootstrap_alpha(data, replicates=200, seed=seed)
        by_session = bootstrap_alpha(
            data, replicates=200, seed=seed, clusters=session, by="transcript"
        )
        assert by_session.by == "transcript" and by_session.clusters == 6
        unit.append(by_unit.low <= truth <= by_unit.high)
        transcript.append(by_session.low <= truth <= by_session.high)
    # 6 sessions x 50 segments: the unit bootstrap misses far more often than 5% (issue: 65%).
    assert _coverage(unit) < 0.78
    assert _coverage(transcript) > 0.76
    assert _coverage(transcript) - _coverage(unit) > 0.1


def test_the_sample_size_gate_withholds_intervals_that_would_not_cover() -> None:
    rng = np.random.default_rng(7)
    truth = krippendorff_alpha(_independent(rng, 200_000, 0.05), "nominal").alpha
    hits, gated = [], 0
    for _ in range(150):
        data = _independent(rng, 30, 0.05)  # a rare code on 30 units
        gated += not sample_size(data, categorical=True).enough
        ci = bootstrap_alpha(data, replicates=200, seed=int(rng.integers(2**31)))
        if ci.low is not None:
            hits.append(ci.low <= truth <= ci.high)
    assert gated >= 0.9 * 150  # the gate withholds nearly every one of these intervals ...
    assert _coverage(hits) < 0.6  # ... which would have covered the truth far too rarely
    balanced = [_independent(rng, 120, 0.5) for _ in range(50)]
    assert all(sample_size(d, categorical=True).enough for d in balanced)
