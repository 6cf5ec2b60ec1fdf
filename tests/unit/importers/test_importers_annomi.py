"""Real AnnoMI transcripts through the CSV importer: the slice vendored under tests/data/annomi
(eight transcripts, 523 utterances; public domain, see its README).

Each transcript is written out as its own CSV file (speaker, text, start) and read back with
read_transcript. AnnoMI has one malformed timestamp (``00:09:025``, transcript 38, utterance
67): the importer refuses it naming the row, and the test then repairs that one cell.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd
import pytest
from annomi_slice import utterances

from socialcoder.domain.codebook import Role
from socialcoder.errors import ImportFormatError
from socialcoder.importers import read_transcript

ROLE = {"therapist": Role.THERAPIST, "client": Role.PATIENT}


@pytest.fixture(scope="module")
def annomi() -> pd.DataFrame:
    df = utterances()
    return df.sort_values(["transcript_id", "utterance_id"], kind="stable")


def _write(df: pd.DataFrame, path: Path) -> Path:
    out = df.rename(
        columns={"interlocutor": "speaker", "utterance_text": "text", "timestamp": "start"}
    )[["speaker", "text", "start"]]
    out.to_csv(path, index=False)
    return path


def _seconds(stamp: str) -> float:
    h, m, s = (int(x) for x in stamp.split(":"))
    return float(3600 * h + 60 * m + s)


def test_malformed_annomi_timestamp_is_refused_naming_the_row(annomi, tmp_path):
    t38 = annomi[annomi.transcript_id == 38].reset_index(drop=True)
    assert t38.loc[67, "timestamp"] == "00:09:025"
    path = _write(t38, tmp_path / "annomi_38.csv")
    with pytest.raises(ImportFormatError) as err:
        read_transcript(path)
    # header is row 1, utterance 0 is row 2, so utterance 67 is row 69
    assert str(err.value) == (
        f"{path}: row 69: start: unparseable time '00:09:025' (expected hh:mm:ss or mm:ss)"
    )


def test_all_annomi_transcripts(annomi, tmp_path):
    annomi = annomi.copy()
    bad = (annomi.transcript_id == 38) & (annomi.utterance_id == 67)
    annomi.loc[bad, "timestamp"] = "00:09:25"

    total = 0
    same_speaker_pairs = 0
    for transcript_id, df in annomi.groupby("transcript_id", sort=True):
        path = _write(df, tmp_path / f"annomi_{transcript_id}.csv")
        tr = read_transcript(path)
        segments = tr.segments
        assert tr.format == "csv"
        assert len(segments) == len(df), transcript_id
        assert [s.role for s in segments] == [ROLE[x] for x in df.interlocutor]
        assert [s.label for s in segments] == list(df.interlocutor)
        assert [s.text for s in segments] == [x.strip() for x in df.utterance_text]
        assert [s.start for s in segments] == [_seconds(x) for x in df.timestamp]
        for a, b in itertools.pairwise(segments):
            # the end is the next start unless AnnoMI's clock goes backwards there
            assert a.end == (b.start if b.start >= a.start else None)
        same_speaker_pairs += sum(a.role == b.role for a, b in itertools.pairwise(segments))
        total += len(segments)
    assert annomi.transcript_id.nunique() == 8
    assert total == 523
    # consecutive turns by the same speaker stay separate segments (two places in the slice)
    assert same_speaker_pairs == 2
