"""Benchmark of the lead's views on the GUI thread (not part of the test suite).

    python benchmarks/bench_lead_views.py [--rows 60] [--columns 10]

1. Filling a lead table (``gui/lead/tables.py::fill``, the progress grid and the dashboard's
   tables) of ROWS x COLUMNS cells, against the anchor of the same cells set while the columns
   measure their contents at every cell (what fill did before: quadratic in the cells).
2. On the fictional sample study (``socialcoder demo``), the GUI thread's time when a change
   made elsewhere arrives: each view's refresh, and the lead workspace's routing of a code
   change and of a memo change (``LeadWorkspace.study_changed``, until its background reads
   are shown) against the anchor of refreshing every view on the GUI thread, as the window did
   before the change pipeline (the review's list too: ``ReviewView.read_now``). The GUI thread's CPU time (``time.thread_time``) is the figure:
   the wall time follows the machine's load.
Medians of 5. Runs offscreen unless QT_QPA_PLATFORM is set.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication, QTableWidget, QTableWidgetItem

from socialcoder.gui.lead.tables import Cell, fill, make_table


def median_ms(app: QApplication, work: Callable[[], object], n: int = 5) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        work()
        app.processEvents()
        times.append(1000 * (time.perf_counter() - t))
    return statistics.median(times)


def per_cell_fill(table: QTableWidget, rows: list[list[Cell]]) -> None:
    """The anchor: every cell set while the columns size to their contents."""
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(cell.text))
    table.resizeRowsToContents()


def tables(app: QApplication, n_rows: int, n_columns: int) -> None:
    rows = [
        [Cell(f"P{r:03d}_session1", bold=True)]
        + [Cell(f"in progress {(r * c) % 100} % · P", "tip") for c in range(n_columns - 1)]
        for r in range(n_rows)
    ]
    headers = ["Transcript", *(f"coder{c}" for c in range(n_columns - 1))]
    table = make_table(headers, "bench")
    table.resize(1200, 700)
    table.show()
    now = median_ms(app, lambda: fill(table, rows), 5)
    anchor = median_ms(app, lambda: per_cell_fill(table, rows), 3)
    print(
        f"fill {n_rows} x {n_columns} cells: {now:.0f} ms; anchor (measured at every cell) "
        f"{anchor:.0f} ms; ratio {now / anchor:.3f}"
    )


def views(app: QApplication) -> None:
    from socialcoder.gui.main_window import MainWindow
    from socialcoder.services.demo import build_demo
    from socialcoder.services.study_change import ChangeKind, StudyChange

    path = build_demo(Path(tempfile.mkdtemp()) / "demo.scstudy", fresh=True).path
    window = MainWindow()
    window.resize(1200, 800)
    window.show()
    assert window.open_study(str(path), "lead", role="lead")
    lead = window.lead
    assert lead is not None
    for name in ("assignments", "calibration", "audit"):
        print(f"{name} refresh: {median_ms(app, getattr(lead, name).refresh):.0f} ms")
    print(f"review read on the GUI thread: {median_ms(app, lead.review.read_now):.0f} ms")
    code = StudyChange.of(
        ChangeKind.CODES, transcripts=["P01_session02"], coders=["ana"], dimensions=["concordance"]
    )
    memo = StudyChange.of(ChangeKind.MEMOS, transcripts=["P01_session02"], coders=["ana"])

    def gui_cpu_ms(work: Callable[[], object]) -> float:
        times = []
        for _ in range(5):
            t = time.thread_time()
            work()
            while lead.busy():
                app.processEvents()
                time.sleep(0.002)
            app.processEvents()
            times.append(1000 * (time.thread_time() - t))
        return statistics.median(times)

    def everything() -> None:
        for name in ("assignments", "calibration", "audit"):
            getattr(lead, name).refresh()
        lead.review.read_now()  # the review read its list on the GUI thread

    every = gui_cpu_ms(everything)
    review = lead.review
    in_worker = review.refresh
    for what, change in (("a code", code), ("a memo", memo)):
        routed = gui_cpu_ms(lambda c=change: lead.study_changed(c))
        review.refresh = review.read_now  # as before: GUI thread
        review_here = gui_cpu_ms(lambda c=change: lead.study_changed(c))
        review.refresh = in_worker
        print(
            f"{what} changed elsewhere, GUI thread CPU: {routed:.0f} ms (the review's list read "
            f"on the GUI thread: {review_here:.0f} ms, ratio {routed / review_here:.2f}); anchor "
            f"(every view refreshed on the GUI thread) {every:.0f} ms; ratio {routed / every:.2f}"
        )
    window.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=60)
    parser.add_argument("--columns", type=int, default=10)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    tables(app, args.rows, args.columns)
    views(app)


if __name__ == "__main__":
    main()
