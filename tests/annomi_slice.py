"""The AnnoMI slice vendored under tests/data/annomi (see its README): eight real transcripts,
read into the shapes of AnnoMI's own files so that tests need nothing outside the repository."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

DATA = Path(__file__).resolve().parent / "data" / "annomi"
#: the seven transcripts coded by all ten annotators (transcript 38 is in the slice for its
#: malformed timestamp)
MULTI = (7, 27, 55, 56, 66, 109, 130)


def utterances() -> pd.DataFrame:
    """One row per utterance, like AnnoMI-simple.csv (without its labels and video columns):
    transcript_id, utterance_id, interlocutor, timestamp, utterance_text."""
    return pd.read_csv(DATA / "utterances.csv", keep_default_na=False)


def annotations() -> pd.DataFrame:
    """One row per utterance and annotator, like AnnoMI-full.csv (its text and label columns):
    the utterance columns joined to annotator_id, main_therapist_behaviour, client_talk_type."""
    labels = pd.read_csv(DATA / "annotations.csv", keep_default_na=False)
    return labels.merge(utterances(), on=["transcript_id", "utterance_id"], validate="many_to_one")
