"""Packages only the tests use (the test extra) are never imported by the program: every module
of socialcoder imports with them made unimportable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEST_ONLY = ("krippendorff", "hypothesis", "pytest", "lxml", "statsmodels.stats.inter_rater")

PROBE = """
import importlib, os, pkgutil, sys
for name in os.environ["TEST_ONLY"].split():
    sys.modules[name] = None  # 'import name' now raises ImportError
import socialcoder
# run by Alembic only, with its context; runs the command line
skip = ("socialcoder.storage.migrations.env", "socialcoder.__main__")
failed = []
count = 0
for info in pkgutil.walk_packages(socialcoder.__path__, "socialcoder."):
    if info.name in skip or ".versions." in info.name:
        continue
    count += 1
    try:
        importlib.import_module(info.name)
    except ImportError as exc:
        failed.append(f"{info.name}: {exc}")
print(count)
print("\\n".join(failed))
"""


def test_no_module_imports_a_test_only_package() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={
            "QT_QPA_PLATFORM": "offscreen",
            "PATH": "/usr/bin:/bin",
            "TEST_ONLY": " ".join(TEST_ONLY),
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    count, *failed = done.stdout.strip().split("\n")
    assert int(count) > 100  # every module was tried, the window's too
    assert [f for f in failed if f] == []
