"""A fictional study for the machine coder's tests (built with the CLI).

Each patient turn carries (most of the time) a key phrase of its ``talk`` value. ana codes and
completes all twelve transcripts, ben (noisier) the first four, dan has codes on one transcript
he has not completed. Transcripts s00..s11; participants P0..P5 (two sessions each).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from socialcoder.cli import main

CODEBOOK = """\
name: Machine coder test (fictional)
version: "1"
dimensions:
  - key: talk
    label: Talk type
    scale: nominal
    unit: segment
    applies_to: [patient]
    shortcut: t
    values: [change, neutral, sustain]
  - {key: concordance, label: Concordance, scale: binary, unit: segment, applies_to: [patient], shortcut: c}
  - {key: alliance, label: Alliance, scale: interval, unit: session, values: [1, 2, 3, 4, 5, 6, 7]}
"""
VALUES = ("change", "neutral", "sustain")
PHRASES = {"change": "I really want to stop", "neutral": "", "sustain": "I like drinking a lot"}
FILLER = ("we", "talked", "about", "the", "week", "and", "how", "things", "went", "at", "home")
TRANSCRIPTS, TURNS = 12, 20


def _main(*argv: str) -> None:
    assert main(list(argv)) == 0


def build_machine_study(folder: Path) -> Path:
    (folder / "cb.yaml").write_text(CODEBOOK, encoding="utf-8")
    study = folder / "m.scstudy"
    _main("init", str(study), "--codebook", str(folder / "cb.yaml"))
    rng = np.random.default_rng(7)
    rows = ["file,participant,therapist,session,date"]
    codes = [("transcript", "segment", "coder", "dimension", "value")]
    dan = [codes[0]]
    for t in range(TRANSCRIPTS):
        name = f"s{t:02d}"
        lines = []
        for i in range(1, TURNS + 1):
            words = [str(w) for w in rng.choice(FILLER, size=6)]
            if i % 2:
                lines.append("T: " + " ".join(words) + "?")
                continue
            value = str(rng.choice(VALUES, p=(0.3, 0.5, 0.2)))
            if PHRASES[value] and rng.random() < 0.9:
                words.insert(3, PHRASES[value])
            lines.append("P: " + " ".join(words))
            codes.append((name, str(i), "ana", "talk", value))
            if t < 4:
                ben = str(rng.choice(VALUES)) if rng.random() < 0.3 else value
                codes.append((name, str(i), "ben", "talk", ben))
            if t == 5:
                dan.append((name, str(i), "dan", "talk", "sustain"))
        (folder / f"{name}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        rows.append(f"{name}.txt,P{t // 2},T{t // 2 % 3},{t % 2 + 1},2024-01-{t + 1:02d}")
    (folder / "manifest.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    _main("import", str(study), "--manifest", str(folder / "manifest.csv"))
    _main("coders", "add", str(study), "ana", "ben")
    for name, table in (("codes.csv", codes), ("dan.csv", dan)):
        with (folder / name).open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows(table)
    _main("codes", "import", str(study), str(folder / "codes.csv"), "--complete")
    _main("codes", "import", str(study), str(folder / "dan.csv"), "--add-coders")
    _main("export", str(study), str(folder / "long.csv"), "--layout", "long")
    return study


def _main(*argv: str) -> None:
    assert main(list(argv)) == 0
