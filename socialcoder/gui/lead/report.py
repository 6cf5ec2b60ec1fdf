"""Save the dashboard as one self-contained HTML file (tables + charts as embedded PNG).

The report states the study, the codebook version, the selection, the bootstrap settings and
the date, then the three tables exactly as shown and the two charts (``QWidget.grab()``,
base64 PNG), so it can be mailed for a lab meeting or attached to a paper's supplement.
"""

from __future__ import annotations

import base64
import html
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtWidgets import QTableWidget, QTabWidget, QWidget

from socialcoder.errors import UserError
from socialcoder.export.output import prepare_output
from socialcoder.gui.lead.dashboard import Dashboard
from socialcoder.gui.lead.tables import headers, texts

STYLE = """
body{font-family:system-ui,Segoe UI,Helvetica,Arial,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:0.5em 0 1.5em}
th,td{border:1px solid #bbb;padding:3px 8px;font-size:90%;text-align:left}
th{background:#eee} td.n{text-align:right}
img{max-width:100%;border:1px solid #ddd;margin:0.5em 0}
.meta td{border:none;padding:1px 8px}
"""


def png_data(widget: QWidget) -> str:
    """A widget's picture as a data: URL (base64 PNG)."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    widget.grab().save(buffer, "PNG")
    buffer.close()
    return "data:image/png;base64," + base64.b64encode(bytes(data)).decode("ascii")


def table_html(table: QTableWidget) -> str:
    e = html.escape
    head = "".join(f"<th>{e(h)}</th>" for h in headers(table))
    body = []
    for r in range(table.rowCount()):
        cells = []
        for c, text in enumerate(texts(table, r)):
            item = table.item(r, c)
            shaded = item is not None and item.background().style() != Qt.BrushStyle.NoBrush
            bg = item.background().color().name() if item is not None and shaded else ""
            fg = item.foreground().color().name() if item is not None and shaded else ""
            style = f" style='background:{bg};color:{fg}'" if bg else ""
            cells.append(f"<td{style}>{e(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def report_html(dashboard: Dashboard) -> str:
    if dashboard.result is None:
        raise UserError("compute the dashboard first (Compute, F5), then save the report")
    e = html.escape
    report = dashboard.result.by_pair
    sel = report.to_json()["selection"]
    selection = (
        "; ".join(f"{k}: {', '.join(v) if isinstance(v, list) else v}" for k, v in sel.items() if v)
        or "everything (all coders, transcripts and dimensions)"
    )
    stamp = report.computed_at.astimezone().strftime("%Y-%m-%d %H:%M %Z")
    boot = dashboard.bootstrap.value()
    meta = [
        ("Study", report.study),
        ("Codebook", f"{dashboard.study.codebook.name}, version {report.codebook_version}"),
        ("Selection", selection),
        (
            "Interval",
            f"95% percentile bootstrap, {boot} replicates resampling {report.bootstrap_by}s, "
            f"seed {report.seed}"
            if boot
            else "none",
        ),
        ("Computed", stamp),
        ("Saved", datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")),
    ]
    parts = [
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Reliability — {e(report.study)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>Inter-rater reliability: {e(report.study)}</h1>",
        "<table class='meta'>"
        + "".join(f"<tr><td><b>{e(k)}</b></td><td>{e(v)}</td></tr>" for k, v in meta)
        + "</table>",
        "<p>Krippendorff's α ≥ 0.8: reliable; 0.667–0.8: tentative conclusions only; below "
        "0.667: not reliable. Colours follow the <b>lower end of the 95% interval</b>: green when "
        "it reaches 0.8, amber when it reaches 0.667, red below; grey: too few units for a "
        "trustworthy figure (Krippendorff 2019), so no interval is given; no colour: no "
        "interval. AC1 and Fleiss' κ are unweighted (exact matches); AC2 credits near misses on "
        "ordinal dimensions. Figures and notes as from <code>socialcoder reliability --json"
        "</code> (see docs/reliability.md).</p>",
    ]
    tabs: QTabWidget = dashboard.tabs
    for i in range(tabs.count()):
        widget = tabs.widget(i)
        if isinstance(widget, QTableWidget):
            parts.append(f"<h2>{e(tabs.tabText(i))}</h2>{table_html(widget)}")
    parts.append("<h2>Charts</h2>")
    for chart in (dashboard.alpha_chart, dashboard.drift_chart):
        chart.resize(900, 420)
        parts.append(f"<img alt='{e(chart.chart().title())}' src='{png_data(chart)}'>")
    if dashboard.confusion.matrix is not None:
        m = dashboard.confusion.matrix
        parts.append(
            f"<h2>Confusion matrix: {e(m.dimension)}, {e(m.coder_a)} × {e(m.coder_b)}</h2>"
        )
        head = "".join(f"<th>{e(m.coder_b)}: {e(label)}</th>" for label in m.labels)
        rows = "".join(
            f"<tr><th>{e(m.coder_a)}: {e(label)}</th>"
            + "".join(f"<td class='n'>{c}</td>" for c in m.counts[i])
            + "</tr>"
            for i, label in enumerate(m.labels)
        )
        parts.append(f"<table><tr><th></th>{head}</tr>{rows}</table>")
        parts.append(f"<p>{e(dashboard.conf_note.text())}</p>")
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


def save_report(dashboard: Dashboard, path: str | Path, *, force: bool = False) -> Path:
    """Write the report through the one output mechanism (never over the study or another
    database; an existing file only with ``force``; whole or not at all)."""
    target = report_path(path)
    out = prepare_output(target, fmt="html", force=force, protect=dashboard.study.files)
    text = report_html(dashboard)
    with out.writing() as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target
