"""End to end with real data: AnnoMI's ten-annotator transcripts through the command line.

AnnoMI (Wu et al., ICASSP 2022; public domain; the slice vendored under tests/data/annomi, see
its README) has seven transcripts coded independently by all ten annotators. We write each
transcript as a CSV transcript file, import it with `socialcoder import`, import the annotators' labels with
`socialcoder codes import`, and ask `socialcoder reliability --json` for the agreement. The
paper reports Fleiss' kappa 0.74 for the main therapist behaviour and 0.47 for the client
talk type; the command line must reproduce both to their printed precision.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest
from annomi_slice import MULTI, annotations

from socialcoder.cli import main

CODEBOOK = """\
name: AnnoMI labels (for tests)
version: "1"
dimensions:
  - key: main_therapist_behaviour
    label: Main therapist behaviour
    scale: nominal
    applies_to: [therapist]
    shortcut: b
    values: [reflection, question, therapist_input, other]
  - key: client_talk_type
    label: Client talk type
    scale: nominal
    applies_to: [patient]
    shortcut: t
    values: [change, neutral, sustain]
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


@pytest.fixture(scope="module")
def annomi() -> pd.DataFrame:
    frame = annotations()
    return frame[frame.transcript_id.isin(MULTI)]


def test_annomi_agreement_reproduced_from_raw_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], annomi: pd.DataFrame
) -> None:
    (tmp_path / "annomi.yaml").write_text(CODEBOOK, encoding="utf-8")
    study = str(tmp_path / "annomi.scstudy")
    run(capsys, "init", study, "--codebook", str(tmp_path / "annomi.yaml"))

    files = []
    codes = [("transcript", "segment", "coder", "dimension", "value")]
    for tid in MULTI:
        rows = annomi[annomi.transcript_id == tid]
        first = rows[rows.annotator_id == rows.annotator_id.min()].sort_values("utterance_id")
        path = tmp_path / f"annomi_{tid}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(("speaker", "text", "start"))
            for r in first.itertuples():
                writer.writerow((r.interlocutor, r.utterance_text, r.timestamp))
        files.append(str(path))
        index = {u: i for i, u in enumerate(first.utterance_id, start=1)}
        for r in rows.itertuples():
            for key in ("main_therapist_behaviour", "client_talk_type"):
                value = getattr(r, key)
                if value != "n/a":
                    codes.append(
                        (
                            path.stem,
                            index[r.utterance_id],
                            f"annotator_{r.annotator_id}",
                            key,
                            value,
                        )
                    )
    run(capsys, "import", study, *files)
    with (tmp_path / "codes.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(codes)
    run(capsys, "codes", "import", study, str(tmp_path / "codes.csv"), "--add-coders")

    report = json.loads(run(capsys, "reliability", study, "--json"))
    by_key = {d["key"]: d for d in report["dimensions"]}
    therapist, client = by_key["main_therapist_behaviour"], by_key["client_talk_type"]
    assert len(therapist["coders"]) == 10
    assert therapist["units"] == 216 and client["units"] == 212
    assert round(therapist["fleiss_kappa"], 2) == 0.74
    assert round(client["fleiss_kappa"], 2) == 0.47
    # Krippendorff's alpha on complete nominal data sits right beside Fleiss' kappa.
    assert therapist["krippendorff_alpha"] == pytest.approx(therapist["fleiss_kappa"], abs=0.001)
    assert client["krippendorff_alpha"] == pytest.approx(client["fleiss_kappa"], abs=0.001)
