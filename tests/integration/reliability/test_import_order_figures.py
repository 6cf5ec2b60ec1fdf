"""The same study imported in another order prints the same reliability figures, to the bit.

Two studies hold the same transcripts, participants, coders and codes; the second imports the
transcripts one by one in reverse name order and the codes CSV with its rows shuffled (so its
transcript and coder ids differ). Every figure of ``reliability --json`` -- with the breakdown
by pair and by transcript, and a bootstrap interval from the same seed resampling units,
transcripts or participants -- must be the same JSON. Before the fix the cluster bootstrap's
clusters were labelled by transcript id and taken in label order, so the same seed drew other
transcripts: the intervals differed in their second or third decimal.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from socialcoder.services.codes_import import import_codes_csv
from socialcoder.services.reliability_report import reliability_report
from socialcoder.services.study import create_study, open_study
from socialcoder.services.transcript_import import ImportItem, import_transcripts

CODEBOOK = """\
name: Import order test codebook (fictional)
version: "1"
dimensions:
  - {key: flag, label: Flag, scale: binary, shortcut: f}
  - key: topic
    label: Topic
    scale: nominal
    values: [activity, sleep, symptoms, other_topic]
    shortcut: t
  - {key: level, label: Level, scale: ordinal, values: [low, middle, high], shortcut: l}
  - {key: score, label: Score, scale: interval, shortcut: s}
"""
CODERS = ("ana", "ben", "cleo")
TRANSCRIPTS = tuple(f"s{t:02d}" for t in range(10))
TURNS = 12
CATEGORIES = {
    "flag": ("0", "1"),
    "topic": ("activity", "sleep", "symptoms", "other_topic"),
    "level": ("low", "middle", "high"),
}


def _rows() -> list[tuple[str, int, str, str, str]]:
    rng = np.random.default_rng(2026)
    rows = []
    for name in TRANSCRIPTS:
        truth = {key: rng.integers(len(values), size=TURNS) for key, values in CATEGORIES.items()}
        score = rng.normal(3.0, 1.0, TURNS)
        coders = CODERS if rng.random() < 0.5 else CODERS[:2]
        for coder in coders:
            for turn in range(TURNS):
                for key, values in CATEGORIES.items():
                    if rng.random() < 0.85:
                        agree = rng.random() < 0.7
                        value = truth[key][turn] if agree else rng.integers(len(values))
                        rows.append((name, turn + 1, coder, key, values[value]))
                if rng.random() < 0.85:
                    noisy = round(float(score[turn] + rng.normal(0.0, 0.5)), 3)
                    rows.append((name, turn + 1, coder, "score", repr(noisy)))
    return rows


def _study(folder: Path, shuffled: bool) -> Path:
    folder.mkdir()
    (folder / "cb.yaml").write_text(CODEBOOK, encoding="utf-8")
    items = []
    for t, name in enumerate(TRANSCRIPTS):
        source = folder / f"{name}.txt"
        turns = [f"{'T' if i % 2 else 'P'}: fictional turn {i} of {name}" for i in range(TURNS)]
        source.write_text("\n".join(turns) + "\n", encoding="utf-8")
        # participants of two or three sessions each; every fourth transcript has none
        items.append(ImportItem(path=source, participant=f"p{t // 3}" if t % 4 else None))
    rows = _rows()
    if shuffled:
        rows = [rows[i] for i in np.random.default_rng(7).permutation(len(rows))]
    with (folder / "codes.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(("transcript", "segment", "coder", "dimension", "value"))
        writer.writerows(rows)
    path = folder / "study.scstudy"
    with create_study(path, codebook_path=folder / "cb.yaml") as s:
        if shuffled:
            for item in reversed(items):
                import_transcripts(s, [item])
        else:
            import_transcripts(s, items)
        import_codes_csv(s, folder / "codes.csv", add_coders=True)
    return path


@pytest.fixture(scope="module")
def studies(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("import-order")
    return _study(root / "in-order", False), _study(root / "shuffled", True)


def _figures(path: Path, by: str | None, bootstrap_by: str | None) -> str:
    with open_study(path) as s:
        report = reliability_report(
            s, by=by, bootstrap=200 if bootstrap_by else 0, seed=11, bootstrap_by=bootstrap_by
        )
    figures = report.to_json()
    figures.pop("computed_at")
    figures.pop("study")
    return json.dumps(figures)  # json keeps every bit of a float


@pytest.mark.parametrize(
    ("by", "bootstrap_by"),
    [
        ("pair", None),
        ("transcript", None),
        ("pair", "unit"),
        (None, "transcript"),
        ("transcript", "participant"),
    ],
)
def test_the_same_study_imported_in_another_order_gives_the_same_figures(
    studies: tuple[Path, Path], by: str | None, bootstrap_by: str | None
) -> None:
    in_order, shuffled = studies
    expected = _figures(in_order, by, bootstrap_by)
    for dimension in json.loads(expected)["dimensions"]:  # the figures are there to compare
        assert dimension["krippendorff_alpha"] is not None
        assert (dimension["alpha_ci95"] is not None) == (bootstrap_by is not None)
    assert _figures(shuffled, by, bootstrap_by) == expected
