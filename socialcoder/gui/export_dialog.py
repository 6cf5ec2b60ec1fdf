"""File > Export…: the study's codes as a table (long / wide / sessions) in CSV, Excel, SPSS,
Stata or Parquet, or as a REFI-QDA project (.qdpx).

Only the study lead may export (a blind coder must not see other coders' codes):
:func:`open_export` refuses otherwise, and the menu action is disabled outside the lead role.
The export runs off the GUI thread (:class:`~socialcoder.gui.background.ProgressRun`) through
:func:`socialcoder.services.exporting.export_table` / ``export_refi``; at the end a summary
(rows, columns, file) is shown and kept in :attr:`ExportDialog.summary`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from socialcoder.domain.coder_kinds import CoderKind
from socialcoder.errors import UserError
from socialcoder.export.names import FORMATS, LAYOUTS
from socialcoder.gui.background import ProgressRun
from socialcoder.gui.dialogs import show_error
from socialcoder.gui.lead.workers import Report
from socialcoder.services.coders import list_coders
from socialcoder.services.exporting import (
    ExportSummary,
    check_output,
    export_refi,
    export_table,
)
from socialcoder.services.study import Study

EXPORT_TIP = (
    "Export the codes for analysis (study lead only: a blind coder cannot export "
    "other coders' codes)"
)
REFI = "qdpx"
FORMAT_NAMES = {
    "csv": "CSV (.csv)",
    "xlsx": "Excel (.xlsx)",
    "sav": "SPSS (.sav)",
    "dta": "Stata (.dta)",
    "parquet": "Parquet (.parquet)",
    REFI: "REFI-QDA project (.qdpx)",
}
LAYOUT_HELP = {
    "long": "one row per segment × coder × dimension (plus session rows): for multilevel models",
    "wide": "one row per segment, a column per dimension and coder: for reliability, SPSS",
    "sessions": "one row per transcript × coder: counts, rates, session ratings and measures",
}
TEXT_WARNING = (
    "Transcripts are sensitive health data: include the turn text only if the exported file "
    "will be kept as safely as the transcripts themselves."
)


@dataclass(frozen=True, slots=True)
class ExportRequest:
    """What the dialog asks for: ``coders`` is ``"all"``, ``"consensus"`` or names."""

    path: Path
    fmt: str
    layout: str
    coders: str | tuple[str, ...]
    with_text: bool


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What was written: ``rows``/``columns`` of the table, or for REFI-QDA the counts."""

    path: Path
    text: str


def _with_suffix(text: str, fmt: str) -> str:
    """``text`` with the extension of ``fmt`` (replacing a known export extension)."""
    if not text.strip():
        return text
    path = Path(text.strip())
    if path.suffix.lower().lstrip(".") in (*FORMATS, REFI, "pq"):
        path = path.with_suffix("")
    return str(path.with_name(f"{path.name}.{fmt}"))


class ExportDialog(QDialog):
    """The export options; ``Export`` starts the background run (see the module doc)."""

    def __init__(self, study: Study, start_dir: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("export_dialog")
        self.setWindowTitle("Export the study")
        self.study = study
        self.summary: ExportResult | None = None
        self.error: str | None = None
        self.run: ProgressRun | None = None
        self.summary_box: QMessageBox | None = None
        self._text_choice = False
        layout = QVBoxLayout(self)

        box = QGroupBox("Table layout", self)
        grid = QVBoxLayout(box)
        self.layouts: dict[str, QRadioButton] = {}
        group = QButtonGroup(self)
        for name in LAYOUTS:
            button = QRadioButton(f"{name}: {LAYOUT_HELP[name]}", box)
            button.setObjectName(f"layout_{name}")
            group.addButton(button)
            grid.addWidget(button)
            self.layouts[name] = button
        self.layouts["long"].setChecked(True)
        layout.addWidget(box)

        box = QGroupBox("Coders", self)
        grid = QVBoxLayout(box)
        self.all_coders = QRadioButton("All coders (and the consensus layer when it has codes)")
        self.consensus = QRadioButton("The consensus layer only")
        self.final = QRadioButton(
            "The final layer (the consensus value where settled, else the primary coder's; "
            "with each value's source)"
        )
        self.final.setObjectName("final_layer")
        self.chosen = QRadioButton("These coders:")
        for button in (self.all_coders, self.consensus, self.final, self.chosen):
            grid.addWidget(button)
        self.all_coders.setChecked(True)
        self.coder_list = QListWidget(box)
        self.coder_list.setObjectName("coder_list")
        coders = list_coders(study, include_consensus=True)
        if not any(c.kind == CoderKind.CONSENSUS and c.codes for c in coders):
            self.consensus.setEnabled(False)
            self.consensus.setToolTip("This study has no consensus codes yet")
        for info in coders:
            if info.kind == CoderKind.CONSENSUS and not info.codes:
                continue  # an empty consensus layer: nothing to export
            item = QListWidgetItem(info.name, self.coder_list)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
        self.coder_list.setMaximumHeight(110)
        self.coder_list.itemChanged.connect(lambda _i: self.chosen.setChecked(True))
        grid.addWidget(self.coder_list)
        layout.addWidget(box)

        form = QFormLayout()
        self.format = QComboBox(self)
        self.format.setObjectName("format")
        for fmt in (*FORMATS, REFI):
            self.format.addItem(FORMAT_NAMES[fmt], fmt)
        form.addRow("&Format:", self.format)
        self.with_text = QCheckBox("Include the turn &text", self)
        self.with_text.setObjectName("with_text")
        form.addRow("", self.with_text)
        self.warning = QLabel(TEXT_WARNING, self)
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #a33;")
        form.addRow("", self.warning)
        row = QHBoxLayout()
        self.path = QLineEdit(str(Path(start_dir) / "export.csv"), self)
        self.path.setObjectName("output_path")
        browse = QPushButton("&Choose…", self)
        browse.clicked.connect(self.choose_file)
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        label = QLabel("&Output file:", self)
        label.setBuddy(self.path)
        form.addRow(label, row)
        layout.addLayout(form)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.export_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.export_button.setText("&Export")
        self.buttons.accepted.connect(self.start)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.format.currentIndexChanged.connect(self._format_changed)
        self._format_changed()

    # -- the options ----------------------------------------------------------------------
    def fmt(self) -> str:
        return str(self.format.currentData())

    def set_format(self, fmt: str) -> None:
        self.format.setCurrentIndex(self.format.findData(fmt))

    def _format_changed(self) -> None:
        refi = self.fmt() == REFI
        for button in self.layouts.values():
            button.setEnabled(not refi)
        if refi and self.with_text.isEnabled():
            self._text_choice = self.with_text.isChecked()
            self.with_text.setChecked(True)
        elif not refi and not self.with_text.isEnabled():
            self.with_text.setChecked(self._text_choice)
        self.with_text.setEnabled(not refi)
        self.with_text.setToolTip(
            "A REFI-QDA project always holds the transcript text" if refi else ""
        )
        self.path.setText(_with_suffix(self.path.text(), self.fmt()))

    def choose_file(self) -> None:
        fmt = self.fmt()
        chosen, _ = QFileDialog.getSaveFileName(
            self, "Export to", self.path.text(), f"{FORMAT_NAMES[fmt]} (*.{fmt});;All files (*)"
        )
        if chosen:
            self.path.setText(_with_suffix(chosen, fmt))

    def request(self) -> ExportRequest:
        """The options as given; raises :class:`UserError` for a missing file or coder."""
        text = self.path.text().strip()
        if not text:
            raise UserError("choose the output file")
        fmt = self.fmt()
        path = Path(_with_suffix(text, fmt)).expanduser()
        if path.is_dir():
            raise UserError("is a folder; give a file name", source=path)
        if not path.parent.is_dir():
            raise UserError(f"folder {path.parent} does not exist", source=path)
        coders: str | tuple[str, ...] = "all"
        if self.consensus.isChecked():
            coders = "consensus"
        elif self.final.isChecked():
            if fmt == REFI:
                raise UserError("the final layer is exported as a table (long, wide or sessions)")
            coders = "final"
        elif self.chosen.isChecked():
            items = [self.coder_list.item(i) for i in range(self.coder_list.count())]
            coders = tuple(i.text() for i in items if i.checkState() == Qt.CheckState.Checked)
            if not coders:
                raise UserError("tick at least one coder (or choose All coders)")
        layout = next(name for name, b in self.layouts.items() if b.isChecked())
        return ExportRequest(
            path=path, fmt=fmt, layout=layout, coders=coders, with_text=self.with_text.isChecked()
        )

    # -- running --------------------------------------------------------------------------
    def start(self) -> None:
        """Check the options, then export in the background."""
        try:
            req = self.request()
            # every refusal but "it exists" first (never the study, never a database)
            check_output(self.study, req.path, req.fmt, force=True)
        except UserError as exc:
            show_error(self, exc, "Cannot export")
            return
        if req.path.exists():
            answer = QMessageBox.question(
                self,
                "Export",
                f"{req.path} exists. Replace it?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.path.setText(str(req.path))
        study = self.study

        def work(report: Report, _cancelled: object) -> ExportResult:
            return run_export(study, req, report)

        self.export_button.setEnabled(False)
        self.run = ProgressRun(self, "Export", work, label="Exporting…")
        self.run.done.connect(self._done)
        self.run.failed.connect(self._failed)
        self.run.cancelled.connect(self._cancelled)
        self.run.start()

    def _done(self, result: ExportResult) -> None:
        self.run = None
        self.summary = result
        self.accept()
        box = QMessageBox(
            QMessageBox.Icon.Information,
            "Export finished",
            result.text,
            QMessageBox.StandardButton.Ok,
            self.parentWidget(),
        )
        box.setObjectName("export_summary")
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.summary_box = box
        box.open()

    def _failed(self, message: str) -> None:
        self.run = None
        self.error = message
        self.export_button.setEnabled(True)
        show_error(self, message, "Export refused (no file was written)")

    def _cancelled(self) -> None:
        self.run = None
        self.export_button.setEnabled(True)
        self.error = "cancelled"


def run_export(study: Study, req: ExportRequest, report: Report) -> ExportResult:
    """The export itself (in the worker thread). Cancelling is honoured before the file is
    written, never after (the file appears whole or not at all)."""
    if req.fmt == REFI:
        report(0, 1, "writing the REFI-QDA project")
        try:
            refi = export_refi(study, req.path, coders=req.coders, force=True)
        except OSError as exc:
            raise UserError(
                f"cannot write the file ({exc.strerror or exc})", source=req.path
            ) from None
        return ExportResult(
            refi.path,
            f"Wrote {refi.path}\n\n{refi.sources} transcripts, {refi.users} coders, "
            f"{refi.codes} codes, {refi.codings} codings, {refi.notes} memos "
            "(the project holds the transcript text).",
        )

    def step(done: int, total: int, what: str) -> None:
        if done < total:  # "done" comes after the file is in place: too late to cancel
            report(done, total, what)

    try:
        summary: ExportSummary = export_table(
            study,
            req.path,
            layout=req.layout,
            coders=req.coders,
            with_text=req.with_text,
            fmt=req.fmt,
            force=True,  # the dialog asked before replacing a file
            progress=step,
        )
    except OSError as exc:  # e.g. no permission, disk full, a folder of that name
        raise UserError(f"cannot write the file ({exc.strerror or exc})", source=req.path) from None
    return ExportResult(
        summary.path,
        f"Wrote {summary.path}\n\n{summary.rows:,} rows, {summary.columns} columns "
        f"({summary.layout} layout, {summary.format}); coders: "
        f"{', '.join(summary.coders) or 'none'}"
        + ("; with the turn text." if req.with_text and req.layout != "sessions" else ".")
        + (f"\n\n{summary.final.sentence().capitalize()}." if summary.final else ""),
    )


def open_export(parent: QWidget, settings: QSettings, study: Study | None) -> ExportDialog | None:
    """Show the export dialog for ``study`` over ``parent`` (non-blocking, window-modal).
    Only the study lead exports (a blind coder never sees other coders' codes): the window
    passes its study only in the lead's workspace, and None (refused, with a reason) else."""
    if study is None:
        show_error(
            parent,
            "Export is for the study lead: a coder coding blind cannot export other "
            "coders' codes. Open the study as study lead to export.",
        )
        return None
    last = str(settings.value("last/export_dir", "") or "") or str(Path.home())
    for old in parent.findChildren(ExportDialog):
        old.deleteLater()  # the previous one, kept until now for its summary
    dialog = ExportDialog(study, last, parent)

    def remember() -> None:
        if dialog.summary is not None:
            settings.setValue("last/export_dir", str(dialog.summary.path.parent))

    dialog.accepted.connect(remember)
    dialog.open()
    return dialog
