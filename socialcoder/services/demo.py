"""The bundled sample study: fictional CFS/ME pragmatic-rehabilitation sessions of six
patients (three hand-written sessions coded by three fictional coders who agree imperfectly,
each with one of them assigned as its primary coder, the rest generated and coded by one coder each), with fictional session measures and the
sample codebook (the project's codebook plus two therapist-turn dimensions); see
sample_transcripts/README.md."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from platformdirs import user_data_dir

from socialcoder.codebooks import DEFAULT_CODEBOOK_PATH
from socialcoder.errors import Input, Remedy, StudyError
from socialcoder.services.assignments import Assignment, apply_assignments
from socialcoder.services.codes_csv import import_codes_csv
from socialcoder.services.measures import import_measures
from socialcoder.services.study import Study, create_study, open_study
from socialcoder.services.transcript_import import Progress, import_transcripts, read_manifest

SAMPLE_ENV = "SOCIALCODER_SAMPLES"


def sample_dir() -> Path:
    """The sample study's files: $SOCIALCODER_SAMPLES when set; else the copy inside the
    installed package (``resources/sample_study``, put there when the wheel is built: see
    setup.py); else ``sample_transcripts/`` of the checkout (an editable install)."""
    if os.environ.get(SAMPLE_ENV):
        return Path(os.environ[SAMPLE_ENV])
    installed = Path(str(files("socialcoder").joinpath("resources", "sample_study")))
    if (installed / "manifest.csv").is_file():
        return installed
    return Path(__file__).resolve().parents[2] / "sample_transcripts"


def default_demo_path() -> Path:
    return Path(user_data_dir("SocialCoder", appauthor=False)) / "demo" / "sample.scstudy"


@dataclass(frozen=True, slots=True)
class DemoStudy:
    path: Path
    created: bool


def _what_is_there(path: Path) -> str | None:
    """``None`` if ``path`` holds the sample study, else what it is (for the refusal)."""
    try:
        with open_study(path) as study:
            if study.info().demo:
                return None
    except StudyError:
        return "is not the sample study (not a SocialCoder study it can open)"
    return "is a study of your own, not the sample study"


def _assign(study: Study, assignments: Path) -> None:
    """The lead's assignments of the triple-coded sessions (``assignments.csv``: coder,
    transcript, purpose): one primary coder each, the two others for reliability, stored as
    Lead > Assignments stores them, so that the final layer has a primary coder's value for
    every unit without consensus."""
    if not assignments.is_file():
        return
    with assignments.open(newline="", encoding="utf-8") as f:
        plan = [Assignment(r["coder"], r["transcript"], r["purpose"]) for r in csv.DictReader(f)]
    apply_assignments(study, plan)


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def build_demo(
    path: Path | None = None,
    *,
    fresh: bool = False,
    progress: Progress | None = None,
    followup: bool = True,
) -> DemoStudy:
    """Create the sample study at ``path`` (default: the user's data folder). An existing
    sample study is reused (the user's own coding in it is kept) unless ``fresh`` is true, when
    it is rebuilt. Anything else at ``path`` (a study of the user's, any other file) is never
    used as the sample and never deleted: refused with :class:`StudyError`. The sample study is
    recognised by the mark :func:`create_study` stores (``StudyInfo.demo``)."""
    path = path or default_demo_path()
    samples = sample_dir()
    manifest = samples / "manifest.csv"
    if not manifest.exists():
        raise StudyError(
            f"the sample transcripts are not at {samples}: this SocialCoder was installed "
            f"without them (reinstall it from a wheel or the bundle), or set {SAMPLE_ENV}"
        )
    if path.exists() or path.is_symlink():
        problem = _what_is_there(path)
        if problem is not None:
            action = "rebuilt" if fresh else "used"
            raise StudyError(
                f"{problem}; only the sample study itself is {action} there, and this file is "
                "left as it was",
                source=path,
                remedy=Remedy.another(Input.SAMPLE_PATH),
            )
        if not fresh:
            return DemoStudy(path, created=False)
        _remove(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # ``followup`` (the default): also the generated sessions of six patients, their measures
    # and the sample codebook with therapist-turn dimensions (scripts/make_sample_sessions.py),
    # on which every analysis of ``socialcoder analyze`` runs. ``followup=False`` builds only
    # the three hand-written sessions with the project's codebook (for tests whose figures
    # rest on that small sample).
    codebook = samples / "codebook.yaml"
    followup = followup and (samples / "followup_manifest.csv").is_file()
    study: Study = create_study(
        path,
        codebook_path=codebook if followup else DEFAULT_CODEBOOK_PATH,
        name="Sample study (fictional)",
        demo=True,
    )
    try:
        items = read_manifest(manifest)
        if followup:
            items += read_manifest(samples / "followup_manifest.csv")
        import_transcripts(study, items, progress=progress)
        import_codes_csv(study, samples / "demo_codes.csv", complete=True, add_coders=True)
        if followup:
            import_codes_csv(study, samples / "followup_codes.csv", complete=True, add_coders=True)
        if followup:
            import_measures(study, samples / "measures.csv")
            _assign(study, samples / "assignments.csv")
    except BaseException:
        study.close()
        _remove(path)
        raise
    study.close()
    return DemoStudy(path, created=True)
