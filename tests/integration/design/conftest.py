"""A small fictional study for the design tests: a two-dimension codebook, four short
transcripts with participant, therapist, session and date."""

from __future__ import annotations

from pathlib import Path

import pytest

CODEBOOK = """\
# Fictional codebook written for SocialCoder's tests.
name: Design test
version: "1"
description: Fictional codebook for the final layer and the assignment design.
dimensions:
  - key: x
    label: Marker
    scale: binary
    applies_to: [patient, therapist]
    shortcut: x
  - key: g
    label: Global rating
    scale: interval
    values: [1, 2, 3, 4, 5]
    unit: session
"""

TEXT = """FICTIONAL TRANSCRIPT written for SocialCoder's tests.
T: Hello.
P: Hi.
T: How was the week?
"""


@pytest.fixture
def small_study(tmp_path: Path) -> Path:
    """A study with transcripts T1..T4 (3 turns each: therapist, patient, therapist)."""
    return make_small_study(tmp_path)


@pytest.fixture
def small_study_reversed(tmp_path: Path) -> Path:
    """The same study with its transcripts imported one by one in reverse order (so that their
    ids run the other way)."""
    folder = tmp_path / "reversed"
    folder.mkdir()
    return make_small_study(folder, order=(4, 3, 2, 1))


def make_small_study(tmp_path: Path, order: tuple[int, ...] = (1, 2, 3, 4)) -> Path:
    from socialcoder.services.study import create_study
    from socialcoder.services.transcript_import import ImportItem, import_transcripts

    book = tmp_path / "book.yaml"
    book.write_text(CODEBOOK, encoding="utf-8")
    path = tmp_path / "small.scstudy"
    items = []
    for i in order:
        f = tmp_path / f"T{i}.txt"
        f.write_text(TEXT.replace("week", f"week {i}"), encoding="utf-8")
        items.append(
            ImportItem(
                path=f,
                name=f"T{i}",
                participant=f"P{i % 2}",
                therapist=f"TH{i % 2}",
                session=i,
                date=None,
            )
        )
    with create_study(path, codebook_path=book, name="small") as study:
        if order == tuple(sorted(order)):
            import_transcripts(study, items)
        else:
            for item in items:
                import_transcripts(study, [item])
    return path
