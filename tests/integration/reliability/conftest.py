"""Small hand-made studies for the reliability data tests (real SQLite files)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import update

from socialcoder.services.coders import add_coders
from socialcoder.services.study import Study, open_study
from socialcoder.services.transcript_import import ImportItem, import_transcripts
from socialcoder.storage.models import CodeRow, CoderRow, CompletionRow

MakeStudy = Callable[..., Path]


def _turns(name: str, patient_turns: int) -> str:
    lines = ["Fictional transcript written for tests."]
    for i in range(patient_turns):
        lines.append(f"T: {name} question {i}")
        lines.append(f"P: answer {i}")
    return "\n".join(lines) + "\n"


@pytest.fixture
def make_study(tmp_path: Path, study_path: Path) -> MakeStudy:
    """``make_study({"t1": ("P01", 20), ...}, coders=("ana", "ben"))``: a study with the default
    codebook, one transcript per entry (participant, number of patient turns; turns alternate
    therapist/patient so patient turn ``i`` is segment ``2 i``) and the coders."""

    def make(transcripts: dict[str, tuple[str | None, int]], coders=("ana", "ben")) -> Path:
        items = []
        for name, (participant, turns) in transcripts.items():
            source = tmp_path / f"{name}.txt"
            source.write_text(_turns(name, turns), encoding="utf-8")
            items.append(ImportItem(path=source, name=name, participant=participant))
        with open_study(study_path) as study:
            import_transcripts(study, items)
            add_coders(study, coders)
        return study_path

    return make


def _backdate(study: Study, coder: str, *, codes: datetime | None, completed: datetime | None):
    """Set when ``coder``'s codes were last changed and when they completed (as if done
    earlier): the services always stamp 'now'."""
    with study.write() as session:
        cid = session.query(CoderRow.id).filter(CoderRow.name == coder).scalar()
        if codes is not None:
            session.execute(update(CodeRow).where(CodeRow.coder_id == cid).values(updated_at=codes))
        if completed is not None:
            session.execute(
                update(CompletionRow)
                .where(CompletionRow.coder_id == cid)
                .values(completed_at=completed)
            )


@pytest.fixture
def backdate() -> Callable[..., None]:
    """``backdate(study, coder, codes=when, completed=when)``."""
    return _backdate
