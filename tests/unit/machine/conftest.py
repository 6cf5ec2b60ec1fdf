"""Fictional coded transcripts with a known signal, for the machine-coder tests.

``make_turns(...)`` returns ``(turns, codes)`` as the machine coder reads them: transcripts of
alternating therapist / patient turns made of filler words; each patient turn's value of
``talk`` (change, neutral, sustain) is drawn at random and, when ``signal`` is ``"keyword"``,
written into the turn as a key phrase; with ``signal="context"`` the key phrase is in the
*preceding* therapist turn instead. Coders code every patient turn of the transcripts given
to them, with a share of random codes (``noise``). Nothing here is real patient data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
import pytest

from socialcoder.machine import DimensionSpec

VALUES = ("change", "neutral", "sustain")
SHARES = (0.3, 0.5, 0.2)
PHRASES = {"change": "i really want to stop", "neutral": "", "sustain": "i like drinking a lot"}
FILLER = tuple(
    [
        "we",
        "talked",
        "about",
        "the",
        "week",
        "and",
        "how",
        "things",
        "went",
        "at",
        "home",
        "with",
        "work",
        "family",
        "friends",
        "the",
        "weather",
        "garden",
        "dog",
        "car",
        "school",
        "meeting",
        "plan",
        "yesterday",
        "later",
        "maybe",
    ]
)
SPEC = DimensionSpec("talk", VALUES, ("patient",))

MakeTurns = Callable[..., tuple[pd.DataFrame, pd.DataFrame]]


def _filler(rng: np.random.Generator, n: int) -> list[str]:
    return [str(w) for w in rng.choice(FILLER, size=n)]


def make_turns(
    transcripts: int = 24,
    turns: int = 16,
    *,
    seed: int = 0,
    signal: str = "keyword",
    coders: Mapping[str, Sequence[int]] | None = None,
    noise: Mapping[str, float] | None = None,
    people: bool = False,
    labels: Callable[[np.random.Generator, int], str] | None = None,
    marker: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``coders`` maps a coder to the transcript numbers they coded (default: ``ana`` codes
    all); ``labels(rng, transcript)`` draws a turn's true value (default: at random);
    ``marker`` puts a word of the transcript's own into each of its turns."""
    rng = np.random.default_rng(seed)
    coders = coders or {"ana": range(transcripts)}
    noise = noise or {}
    turn_rows, code_rows = [], []
    for t in range(transcripts):
        name = f"s{t:03d}"
        participant = f"P{t // 2}" if people else None
        therapist = f"T{t % 3}" if people else None
        pending = ""
        for segment in range(1, turns + 1):
            role = "therapist" if segment % 2 else "patient"
            words = _filler(rng, 6) + ([f"marker{t}"] if marker else [])
            if role == "therapist":
                value = labels(rng, t) if labels else str(rng.choice(VALUES, p=SHARES))
                pending = value
                if signal == "context" and PHRASES[value]:
                    words.insert(int(rng.integers(0, 6)), PHRASES[value])
                words.append("?")
            else:
                value = pending
                if signal == "keyword" and PHRASES[value]:
                    words.insert(int(rng.integers(0, 6)), PHRASES[value])
                for coder, coded in coders.items():
                    if t in coded:
                        given = value
                        if rng.random() < noise.get(coder, 0.0):
                            given = str(rng.choice(VALUES))
                        code_rows.append((name, segment, coder, given))
            turn_rows.append((name, segment, role, " ".join(words), participant, therapist))
    turn_frame = pd.DataFrame(
        turn_rows, columns=["transcript", "segment", "role", "text", "participant", "therapist"]
    )
    code_frame = pd.DataFrame(code_rows, columns=["transcript", "segment", "coder", "value"])
    return turn_frame, code_frame


@pytest.fixture(scope="session")
def synthetic() -> MakeTurns:
    return make_turns


@pytest.fixture(scope="session")
def spec() -> DimensionSpec:
    return SPEC
