"""Fictional studies for the analysis tests, built as the export tables build them.

``make_study(...)`` returns a :class:`~socialcoder.export.model.StudyData` (plain DataFrames,
no database) with the default codebook: participants with several sessions each, turns that
alternate therapist / patient, patient codes drawn at random with participant-level
propensities, goal agreement per session and two session measures. Nothing here is real
patient data.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from socialcoder.codebooks import load_default_codebook
from socialcoder.domain.codebook import Codebook
from socialcoder.export.model import StudyData

MakeStudy = Callable[..., StudyData]


def _make_study(
    seed: int = 0,
    participants: int = 8,
    sessions: int = 4,
    turns: int = 20,
    coders: tuple[str, ...] = ("ana",),
    therapists: int = 3,
    incomplete: int = 0,
    codebook: Codebook | None = None,
    therapist_codes: Callable[[np.random.Generator], dict[str, str]] | None = None,
) -> StudyData:
    rng = np.random.default_rng(seed)
    book = codebook or load_default_codebook()
    transcripts, segments, codes, involved, measures = [], [], [], [], []
    tid = sid = 0
    for p in range(participants):
        pid = f"P{p + 1:02d}"
        propensity = rng.uniform(0.1, 0.6)
        alliance = rng.normal(4.5, 1.0)
        for s in range(1, sessions + 1):
            tid += 1
            name = f"{pid}_s{s}"
            transcripts.append(
                (tid, name, pid, f"T{p % therapists + 1}", s, None, "Fictional transcript.")
            )
            for coder_i, coder in enumerate(coders):
                done = not (coder_i == 0 and tid <= incomplete)
                involved.append((tid, coder, done))
            rating = int(np.clip(round(alliance + rng.normal(0, 0.7)), 1, 7))
            for coder in coders:
                codes.append(
                    (tid, np.nan, coder, "goal_agreement", str(rating), None, book.version)
                )
            measures.append(
                (pid, s, alliance + rng.normal(0, 0.5), 20 - 2 * propensity + rng.normal(0, 1))
            )
            for t in range(1, turns + 1):
                sid += 1
                role = "therapist" if t % 2 else "patient"
                segments.append((sid, tid, t, role, role[0].upper(), np.nan, np.nan, ""))
                for coder in coders:
                    if role == "patient":
                        if rng.random() < propensity:
                            codes.append((tid, sid, coder, "concordance", "1", None, book.version))
                        if rng.random() < 0.6 - propensity:
                            codes.append(
                                (tid, sid, coder, "incongruent_principles", "1", None, book.version)
                            )
                        level = rng.choice(["none", "mild", "strong"], p=[0.7, 0.2, 0.1])
                        codes.append(
                            (tid, sid, coder, "resistance", str(level), None, book.version)
                        )
                    elif therapist_codes is not None:
                        for dim, value in therapist_codes(rng).items():
                            codes.append((tid, sid, coder, dim, value, None, book.version))
    return StudyData(
        codebook=book,
        codebook_version=book.version,
        coders=coders,
        transcripts=pd.DataFrame(
            transcripts,
            columns=[
                "transcript_id",
                "transcript",
                "participant",
                "therapist",
                "session",
                "date",
                "preamble",
            ],
        ).astype({"session": "Int64"}),
        segments=pd.DataFrame(
            segments,
            columns=[
                "segment_id",
                "transcript_id",
                "segment",
                "role",
                "speaker",
                "start",
                "end",
                "text",
            ],
        ),
        involved=pd.DataFrame(involved, columns=["transcript_id", "coder", "completed"]),
        codes=pd.DataFrame(
            codes,
            columns=[
                "transcript_id",
                "segment_id",
                "coder",
                "dimension",
                "value",
                "memo",
                "codebook_version",
            ],
        ).astype({"segment_id": "float64"}),
        segment_memos=pd.DataFrame(columns=["segment_id", "coder", "segment_memo"]).astype(
            {"segment_id": "int64"}
        ),
        measures=pd.DataFrame(measures, columns=["participant", "session", "calpas", "core_om"]),
        study_name="fictional",
    )


@pytest.fixture
def make_study() -> MakeStudy:
    return _make_study
