"""Studies for the export tests: a small hand-made one with known codes, and the demo study."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from socialcoder.codebooks import DEFAULT_CODEBOOK_PATH
from socialcoder.services.coders import add_coders
from socialcoder.services.coding import set_code, set_completed, set_segment_memo
from socialcoder.services.demo import build_demo
from socialcoder.services.study import Study, create_study, open_study
from socialcoder.services.transcript_import import ImportItem, import_transcripts

SMALL_TEXT = """Fictional sample transcript for tests.
[00:00:05] T: Hello, how was the week?
[00:00:09] P: I kept to my walks because you said the body needs it.
[00:00:20] T: That is good to hear.
[00:00:25] P: But I rested all Sunday, I had to.
"""


@pytest.fixture
def small_path(tmp_path: Path) -> Path:
    """A study with one transcript (P01, session 3; turns T, P, T, P) and coders ana and ben.

    ana: concordance 1 on segment 2 (memo "model words"), resistance mild on 4, goal_agreement 5,
    a segment memo on 4, transcript complete. ben: concordance 1 on 4, resistance none on 2,
    not complete.
    """
    source = tmp_path / "P01_s3.txt"
    source.write_text(SMALL_TEXT, encoding="utf-8")
    path = tmp_path / "small.scstudy"
    with create_study(path, codebook_path=DEFAULT_CODEBOOK_PATH, name="small") as study:
        import_transcripts(
            study,
            [ImportItem(path=source, name="P01_s3", participant="P01", therapist="T9", session=3)],
        )
        add_coders(study, ["ana", "ben"])
        t = "P01_s3"
        set_code(
            study,
            coder="ana",
            transcript=t,
            segment=2,
            dimension="concordance",
            value="1",
            memo="model words",
        )
        set_code(study, coder="ana", transcript=t, segment=4, dimension="resistance", value="mild")
        set_code(
            study, coder="ana", transcript=t, segment=None, dimension="goal_agreement", value="5"
        )
        set_segment_memo(study, coder="ana", transcript=t, segment=4, text="rests on Sunday")
        set_completed(study, coder="ana", transcript=t, completed=True)
        set_code(study, coder="ben", transcript=t, segment=4, dimension="concordance", value="1")
        set_code(study, coder="ben", transcript=t, segment=2, dimension="resistance", value="none")
    return path


@pytest.fixture
def small(small_path: Path) -> Iterator[Study]:
    with open_study(small_path) as study:
        yield study


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.scstudy"
    build_demo(path, followup=False)  # the three hand-written sessions the figures rest on
    return path


@pytest.fixture
def demo(demo_path: Path) -> Iterator[Study]:
    with open_study(demo_path) as study:
        yield study
