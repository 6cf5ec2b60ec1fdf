"""The HTML reliability report: one self-contained file, the same with or without a window.

It states the study, the codebook version, the selection, the interval settings and the date
of the computation, then the dashboard's three tables (per dimension, per coder pair, per
transcript) with the same figures and colours (:mod:`socialcoder.export.reliability_figures`),
the two charts as inline SVG (:mod:`socialcoder.export.reliability_charts`), the confusion
matrix when one was asked for, and what the figures cannot tell. Plain HTML, no scripts and no
transcript text: it can be mailed for a lab meeting or attached to a paper's supplement.

Gathering the figures is :mod:`socialcoder.services.report`'s job; this module only renders
the values it is given (no database, no Qt).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from socialcoder.export.reliability_charts import (
    AlphaPoint,
    WeekPoint,
    draw_alpha,
    draw_drift,
    new_figure,
    short_label,
    svg,
)
from socialcoder.export.reliability_figures import (
    DIMENSION_HEADERS,
    PAIR_HEADERS,
    REPORT_BACKGROUNDS,
    TOO_FEW,
    TRANSCRIPT_HEADERS,
    Cell,
    dimension_row,
    pair_rows,
    state,
    transcript_rows,
)

STYLE = """
body{font-family:system-ui,Segoe UI,Helvetica,Arial,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:0.5em 0 1.5em}
th,td{border:1px solid #bbb;padding:3px 8px;font-size:90%;text-align:left}
th{background:#eee} td.n{text-align:right}
figure{margin:0.5em 0}svg{max-width:100%;height:auto;border:1px solid #ddd}
.meta td{border:none;padding:1px 8px}
.caveat{background:#fff8e6;border-left:4px solid #e69f00;padding:0.3em 1em}
"""

LEGEND = (
    "Krippendorff's α ≥ 0.8: reliable; 0.667–0.8: tentative conclusions only; below 0.667: "
    "not reliable. Colours follow the <b>lower end of the 95% interval</b>: green when it "
    "reaches 0.8, amber when it reaches 0.667, red below; grey: too few units for a "
    "trustworthy figure (Krippendorff 2019), so no interval is given; no colour: no interval. "
    "AC1 and Fleiss' κ are unweighted (exact matches); AC2 credits near misses on ordinal "
    "dimensions. Figures and notes as from <code>socialcoder reliability --json</code> (see "
    "docs/reliability.md)."
)

#: What the figures cannot tell (shown under "Reading these figures").
CAVEATS = (
    "α says how far these coders agree on these units; it does not say that the codes are "
    "valid, i.e. that they capture what the codebook means.",
    "The 95% interval resamples the top level of the data (or what the settings name); with "
    "few transcripts or participants it is wide and itself uncertain.",
    "A coder pair's or a transcript's α rests on fewer units than the overall figure; 'too "
    "few units' marks where it rests on too few to be judged at all.",
    "The drift chart uses, for each ISO week, the codes last changed in that week: a week with "
    "few units moves by chance, and recoding moves codes into a later week.",
    "A confusion matrix counts the units both coders coded; it shows where they disagree, not "
    "which of them is right.",
)


class Confusion(Protocol):
    """Two coders' values on one dimension (``reliability.confusion.ConfusionMatrix``)."""

    @property
    def dimension(self) -> str: ...
    @property
    def coder_a(self) -> str: ...
    @property
    def coder_b(self) -> str: ...
    @property
    def labels(self) -> tuple[str, ...]: ...
    @property
    def counts(self) -> tuple[tuple[int, ...], ...]: ...
    @property
    def total(self) -> int: ...
    @property
    def agreements(self) -> int: ...


@dataclass(frozen=True, slots=True)
class ReportData:
    """Everything the report shows, as plain values."""

    study: str
    codebook: str  # its name
    codebook_version: str
    #: as in ``socialcoder reliability --json``'s ``selection``
    selection: Mapping[str, Any]
    bootstrap: int
    seed: int | None
    bootstrap_by: str | None
    level: str | Mapping[str, str] | None
    computed_at: datetime
    #: the report ``by="pair"``'s dimensions (overall figures, groups per coder pair)
    dimensions: Sequence[Mapping[str, Any]]
    #: the report ``by="transcript"``'s dimensions (groups per transcript)
    transcripts: Sequence[Mapping[str, Any]]
    weeks: Sequence[WeekPoint] = ()
    #: dimension key -> label, for the drift chart's legend
    labels: Mapping[str, str] = field(default_factory=dict)
    confusion: Confusion | None = None


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def selection_text(selection: Mapping[str, Any]) -> str:
    return (
        "; ".join(
            f"{k}: {', '.join(v) if isinstance(v, list) else v}" for k, v in selection.items() if v
        )
        or "everything (all coders, transcripts and dimensions)"
    )


def _level_text(level: str | Mapping[str, str] | None) -> str:
    if not level:
        return "as each dimension's scale"
    if isinstance(level, str):
        return f"{level} for every dimension"
    return ", ".join(f"{k}: {v}" for k, v in level.items())


def _stamp(when: datetime) -> str:
    return when.astimezone().strftime("%Y-%m-%d %H:%M %Z")


def meta_rows(data: ReportData, saved_at: datetime | None) -> list[tuple[str, str]]:
    interval = (
        f"95% percentile bootstrap, {data.bootstrap} replicates resampling "
        f"{data.bootstrap_by}s, seed {data.seed}"
        if data.bootstrap
        else "none (no bootstrap asked for)"
    )
    rows = [
        ("Study", data.study),
        ("Codebook", f"{data.codebook}, version {data.codebook_version}"),
        ("Selection", selection_text(data.selection)),
        ("Interval", interval),
        ("Level of measurement", _level_text(data.level)),
        ("Computed", _stamp(data.computed_at)),
    ]
    if saved_at is not None:
        rows.append(("Saved", _stamp(saved_at)))
    return rows


def _cell(cell: Cell) -> str:
    attrs = ""
    if cell.align_right:
        attrs += " class='n'"
    if cell.background:
        colour = REPORT_BACKGROUNDS.get(cell.background, cell.background)
        attrs += f" style='background:{colour}'"
    if cell.tip:
        attrs += f" title='{_e(cell.tip)}'"
    text = f"<b>{_e(cell.text)}</b>" if cell.bold else _e(cell.text)
    return f"<td{attrs}>{text}</td>"


def table_html(name: str, headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(_cell(c) for c in row) + "</tr>" for row in rows)
    return f"<table id='{name}'><tr>{head}</tr>{body}</table>"


def alpha_points(dimensions: Sequence[Mapping[str, Any]]) -> list[AlphaPoint]:
    """The alpha chart's points: one per dimension, as the dimension table."""
    points = []
    for d in dimensions:
        low, high = d.get("alpha_ci95") or (None, None)
        points.append(
            AlphaPoint(
                short_label(str(d["label"])),
                d.get("krippendorff_alpha"),
                low,
                high,
                note=TOO_FEW if state(dict(d)) == TOO_FEW else "",
            )
        )
    return points


def charts_svg(data: ReportData) -> list[str]:
    """The two charts as SVG documents (the figures are closed after rendering)."""
    alpha = new_figure()
    draw_alpha(alpha, alpha_points(data.dimensions))
    drift = new_figure()
    draw_drift(drift, data.weeks, data.labels)
    return [svg(alpha), svg(drift)]


def confusion_html(m: Confusion, label: str | None = None) -> str:
    head = "".join(f"<th>{_e(m.coder_b)}: {_e(label)}</th>" for label in m.labels)
    rows = "".join(
        f"<tr><th>{_e(m.coder_a)}: {_e(label)}</th>"
        + "".join(f"<td class='n'>{c}</td>" for c in m.counts[i])
        + "</tr>"
        for i, label in enumerate(m.labels)
    )
    share = f" ({100 * m.agreements / m.total:.1f} %)" if m.total else ""
    return (
        f"<h2>Confusion matrix: {_e(label or m.dimension)}, {_e(m.coder_a)} × {_e(m.coder_b)}</h2>"
        f"<table id='confusion'><tr><th></th>{head}</tr>{rows}</table>"
        f"<p>{m.total} units coded by both; {m.agreements} agreements on the diagonal{share}."
        "</p>"
    )


def render(data: ReportData, *, saved_at: datetime | None = None) -> str:
    """The report as one HTML document; ``saved_at`` adds a 'Saved' line to the meta table."""
    dims = [dict(d) for d in data.dimensions]
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Reliability — {_e(data.study)}</title><style>{STYLE}</style></head><body>",
        f"<h1>Inter-rater reliability: {_e(data.study)}</h1>",
        "<table class='meta'>"
        + "".join(
            f"<tr><td><b>{_e(k)}</b></td><td>{_e(v)}</td></tr>"
            for k, v in meta_rows(data, saved_at)
        )
        + "</table>",
        f"<p>{LEGEND}</p>",
        "<h2>Per dimension</h2>",
        table_html("dimensions", DIMENSION_HEADERS, [dimension_row(d) for d in dims]),
        "<h2>Per coder pair</h2>",
        table_html("pairs", PAIR_HEADERS, pair_rows(dims)),
        "<h2>Per transcript</h2>",
        table_html(
            "per_transcript",
            TRANSCRIPT_HEADERS,
            transcript_rows([dict(d) for d in data.transcripts]),
        ),
        "<h2>Charts</h2>",
    ]
    titles = ("Alpha per dimension", "Alpha by week of coding (drift)")
    for title, chart in zip(titles, charts_svg(data), strict=True):
        parts.append(f"<figure role='img' aria-label='{_e(title)}'>{chart}</figure>")
    if data.confusion is not None:
        m = data.confusion
        parts.append(confusion_html(m, data.labels.get(m.dimension)))
    parts.append("<h2>Reading these figures</h2><div class='caveat'><ul>")
    parts.extend(f"<li>{_e(c)}</li>" for c in CAVEATS)
    parts.append("</ul></div>")
    parts.append(
        "<p><small>Made with SocialCoder. Contains no transcript text.</small></p></body></html>"
    )
    return "".join(parts)


def report_path(path: str | Path) -> Path:
    """Where a report chosen as ``path`` is saved: ``.html`` added when missing."""
    target = Path(path)
    if target.suffix.lower() not in (".html", ".htm"):
        target = target.with_suffix(".html")
    return target
