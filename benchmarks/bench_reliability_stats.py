"""Benchmark the reliability statistics on a large matrix.

3 coders x 500,000 units, nominal, 10 values, about 5% missing. Prints the wall time and the
peak traced memory (tracemalloc, which sees numpy's allocations) of:

* socialcoder's Krippendorff's alpha,
* ``krippendorff.alpha`` on the same matrix (value_domain given, level nominal),
* a 1,000-replicate bootstrap interval for alpha,
* the full ``summarize_dimension`` item (no bootstrap).

Targets: our alpha faster than the package, peak below 400 MB, bootstrap below 10 s.
Run: ``python benchmarks/bench_reliability_stats.py`` from the repository root.
"""

from __future__ import annotations

import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import krippendorff

from socialcoder.reliability import (
    bootstrap_alpha,
    krippendorff_alpha,
    summarize_dimension,
)

CODERS = 3
UNITS = 500_000
VALUES = 10
MISSING = 0.05


def make_matrix(seed: int = 0) -> np.ndarray:
    """coders x units, values 0..9 drawn around a per-unit truth, 5% missing."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, VALUES, size=UNITS)
    data = np.tile(truth, (CODERS, 1)).astype(np.float64)
    noise = rng.random(data.shape) < 0.2
    data[noise] = rng.integers(0, VALUES, size=int(noise.sum()))
    data[rng.random(data.shape) < MISSING] = np.nan
    return data


def measure(label: str, run: Callable[[], Any]) -> Any:
    """Time one call, then trace its peak memory in a second call."""
    start = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - start
    tracemalloc.start()
    tracemalloc.reset_peak()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{label:<44} {seconds:8.3f} s   peak {peak / 2**20:8.1f} MB")
    return result, seconds, peak


def main() -> None:
    data = make_matrix()
    print(f"matrix: {CODERS} coders x {UNITS:,} units, {VALUES} values, ~{MISSING:.0%} missing")
    print(f"input size {data.nbytes / 2**20:.1f} MB\n")
    ours, ours_s, ours_peak = measure(
        "socialcoder krippendorff_alpha (nominal)", lambda: krippendorff_alpha(data, "nominal")
    )
    theirs, theirs_s, _ = measure(
        "krippendorff.alpha (nominal, value_domain)",
        lambda: krippendorff.alpha(
            reliability_data=data,
            value_domain=list(range(VALUES)),
            level_of_measurement="nominal",
        ),
    )
    boot, boot_s, boot_peak = measure(
        "bootstrap_alpha, 1,000 replicates",
        lambda: bootstrap_alpha(data, "nominal", replicates=1000, seed=1),
    )
    _, _, summary_peak = measure(
        "summarize_dimension (no bootstrap)",
        lambda: summarize_dimension(
            data, key="bench", level="nominal", coder_names=["a", "b", "c"]
        ),
    )
    print()
    print(f"alpha: ours {ours.alpha:.6f}  package {theirs:.6f}")
    print(f"95% CI: [{boot.low:.4f}, {boot.high:.4f}] from {boot.n_replicates} replicates")
    print(f"speed-up over the package: {theirs_s / ours_s:.1f}x")
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process max RSS (includes the package's run): {max_rss:.0f} MB")
    checks = {
        "alpha faster than the package": ours_s < theirs_s,
        "alpha peak < 400 MB": ours_peak < 400 * 2**20,
        "bootstrap peak < 400 MB": boot_peak < 400 * 2**20,
        "bootstrap < 10 s": boot_s < 10,
        "summary peak < 400 MB": summary_peak < 400 * 2**20,
    }
    for name, ok in checks.items():
        print(f"  [{'ok' if ok else 'MISSED'}] {name}")


if __name__ == "__main__":
    main()
