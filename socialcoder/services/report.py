"""The reliability report of a study: gathered once, shown by the dashboard, saved as HTML.

:func:`gather` computes what the dashboard shows for a selection: the overall figures with
their coder-pair breakdown, the per-transcript breakdown (both :func:`reliability_report`,
the same call as ``socialcoder reliability --json --by pair|transcript``) and alpha by ISO
week of coding. :func:`save_report` writes them as the HTML report
(:mod:`socialcoder.export.report_html`) through the one output mechanism; the dashboard's
*Save report* and ``socialcoder report STUDY OUT.html`` both call it, so a report made without
a window is the one the window saves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from socialcoder.errors import UserError
from socialcoder.export.output import prepare_output
from socialcoder.export.report_html import ReportData, render
from socialcoder.reliability.bootstrap import draw_seed
from socialcoder.reliability.confusion import ConfusionMatrix
from socialcoder.reliability.drift import WeekAlpha
from socialcoder.services.drift import weekly_alpha
from socialcoder.services.reliability_data import Selection
from socialcoder.services.reliability_report import (
    Levels,
    ReliabilityReport,
    reliability_report,
)
from socialcoder.services.study import Study

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True, slots=True)
class ReportSettings:
    """What a report covers and how its intervals are computed (the dashboard's controls, the
    flags of ``socialcoder report``)."""

    selection: Selection = field(default_factory=Selection)
    bootstrap: int = 1000
    seed: int | None = None
    bootstrap_by: str | None = None
    level: Levels = None


@dataclass(frozen=True, slots=True)
class ReliabilityFigures:
    """The figures of one report: what the dashboard's tables and charts show."""

    settings: ReportSettings
    by_pair: ReliabilityReport  # overall figures + groups per coder pair
    by_transcript: ReliabilityReport  # groups per transcript
    weeks: list[WeekAlpha]


def gather(
    study: Study, settings: ReportSettings, *, progress: Progress | None = None
) -> ReliabilityFigures:
    """Compute the report's figures. One seed serves both breakdowns (drawn when none is
    given, and recorded), so their intervals are the ones ``reliability --seed S`` gives."""
    seed = settings.seed
    if settings.bootstrap and seed is None:
        seed = draw_seed()
    settings = ReportSettings(
        selection=settings.selection,
        bootstrap=settings.bootstrap,
        seed=seed,
        bootstrap_by=settings.bootstrap_by,
        level=settings.level,
    )
    n = len(settings.selection.dimensions or study.codebook.keys)
    total = 2 * n + 1

    def step(offset: int, what: str) -> Progress | None:
        if progress is None:
            return None
        return lambda i, _n, item: progress(offset + i, total, f"{what}: {item}")

    def report(by: str, offset: int, what: str) -> ReliabilityReport:
        return reliability_report(
            study,
            settings.selection,
            by=by,
            bootstrap=settings.bootstrap,
            seed=seed,
            level=settings.level,
            bootstrap_by=settings.bootstrap_by,
            progress=step(offset, what),
        )

    pair = report("pair", 0, "overall and per pair")
    per_transcript = report("transcript", n, "per transcript")
    if progress:
        progress(2 * n, total, "by week")
    weeks = weekly_alpha(study, settings.selection, level=settings.level)
    if progress:
        progress(total, total, "done")
    return ReliabilityFigures(settings, pair, per_transcript, weeks)


def report_data(
    study: Study, figures: ReliabilityFigures, confusion: ConfusionMatrix | None = None
) -> ReportData:
    settings = figures.settings
    pair = figures.by_pair
    return ReportData(
        study=pair.study,
        codebook=study.codebook.name,
        codebook_version=pair.codebook_version,
        selection=pair.to_json()["selection"],
        bootstrap=settings.bootstrap,
        seed=pair.seed,
        bootstrap_by=pair.bootstrap_by,
        level=settings.level,
        computed_at=pair.computed_at,
        dimensions=pair.dimensions,
        transcripts=figures.by_transcript.dimensions,
        weeks=figures.weeks,
        labels={d.key: d.label for d in study.codebook.dimensions},
        confusion=confusion,
    )


def report_html(
    study: Study,
    figures: ReliabilityFigures,
    *,
    confusion: ConfusionMatrix | None = None,
    saved_at: datetime | None = None,
) -> str:
    """The HTML report of ``figures`` (and the confusion matrix when given)."""
    return render(report_data(study, figures, confusion), saved_at=saved_at)


def save_report(
    study: Study,
    figures: ReliabilityFigures,
    path: str | Path,
    *,
    confusion: ConfusionMatrix | None = None,
    force: bool = False,
    saved_at: datetime | None = None,
) -> Path | None:
    """Write the report to ``path`` (``-``: standard output) through the one output mechanism:
    never over the study's own files, an existing file only with ``force``, written whole or
    not at all. Returns the file written (None for standard output)."""
    out = prepare_output(path, fmt="html", force=force, protect=study.files)
    text = report_html(study, figures, confusion=confusion, saved_at=saved_at)
    with out.writing() as tmp:
        tmp.write_text(text, encoding="utf-8")
    if out.mode == "stdout":
        return None
    if out.path is None:  # pragma: no cover - a file always has a path
        raise UserError("the report needs a file name")
    return out.path
