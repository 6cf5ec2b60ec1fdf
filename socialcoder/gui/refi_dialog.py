"""File > Import REFI-QDA project…: a .qdpx from another QDA program becomes a NEW study.

The dialog asks for the project, the new study file (.scstudy), and optionally a mapping file
(codes -> dimensions), a codebook, speaker roles, what to do with texts without speaker labels
and which transcripts to mark complete. The import runs off the GUI thread
(:func:`socialcoder.services.refi_import.import_refi`); at the end a summary lists what was
imported, which codebook and completion rule applied, and everything that could not be imported
(never silently dropped), and offers to open
the new study (:attr:`RefiImportDialog.summary_box`, Yes opens it).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from socialcoder.domain.codebook import Role
from socialcoder.errors import UserError
from socialcoder.gui.background import ProgressRun
from socialcoder.gui.dialogs import show_error
from socialcoder.gui.lead.workers import Report
from socialcoder.importers import SpeakerRole, parse_speaker_map
from socialcoder.services.refi_import import RefiImportSummary, import_refi, summary_lines

REFI_TIP = "Create a new study from a REFI-QDA project (.qdpx) made by another QDA program"
QDPX_FILTER = "REFI-QDA projects (*.qdpx);;All files (*)"
STUDY_FILTER = "SocialCoder studies (*.scstudy);;All files (*)"
MAPPING_FILTER = "Mapping files (*.csv *.yaml *.yml);;All files (*)"
CODEBOOK_FILTER = "Codebooks (*.yaml *.yml);;All files (*)"


def summary_text(summary: RefiImportSummary) -> tuple[str, str]:
    """(headline, details): what came in, which codebook and completion rule applied, then
    every item that could not be imported (the same lines as the command line prints)."""
    head, lines = summary_lines(summary)
    return head, "\n".join(f"• {line}" for line in lines)


#: The completion choices: (label, ``complete`` argument of the import).
COMPLETION_CHOICES: tuple[tuple[str, bool | None], ...] = (
    ("As in the project (SocialCoder exports); otherwise nothing complete", None),
    ("Mark every coder's coded transcripts complete (uncoded turns become 'absent')", True),
    ("Mark nothing complete", False),
)
#: Texts without speaker labels: (label, role or None to refuse them).
ONE_SPEAKER_CHOICES: tuple[tuple[str, Role | None], ...] = (
    ("Refuse them (name the speakers in the text)", None),
    ("One turn per line, spoken by the patient", Role.PATIENT),
    ("One turn per line, spoken by the therapist", Role.THERAPIST),
)


def _file_row(parent: QWidget, edit: QLineEdit, choose: Callable[[], object]) -> QHBoxLayout:
    row = QHBoxLayout()
    button = QPushButton("Choose…", parent)
    button.clicked.connect(choose)
    row.addWidget(edit, 1)
    row.addWidget(button)
    return row


class RefiImportDialog(QDialog):
    """The import options; ``Import`` starts the background run (see the module doc)."""

    def __init__(
        self, window: QWidget, start_dir: str, open_study: Callable[[str], object]
    ) -> None:
        super().__init__(window)
        self.window_ = window
        self.open_study = open_study  # the window's: opens the new study when asked to
        self.start_dir = start_dir
        self.setObjectName("refi_import_dialog")
        self.setWindowTitle("Import a REFI-QDA project")
        self.summary: RefiImportSummary | None = None
        self.summary_box: QMessageBox | None = None
        self.run: ProgressRun | None = None
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Creates a NEW study from a REFI-QDA project (.qdpx) exported by another QDA "
            "program: text sources become transcripts, users coders, codes dimensions.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.project = QLineEdit(self)
        self.project.setObjectName("project")
        self.target = QLineEdit(self)
        self.target.setObjectName("target")
        self.mapping = QLineEdit(self)
        self.mapping.setObjectName("mapping")
        self.mapping.setPlaceholderText("optional: CSV or YAML, code -> dimension[=value]")
        self.codebook = QLineEdit(self)
        self.codebook.setObjectName("codebook")
        self.codebook.setPlaceholderText(
            "optional: default is the project's own (SocialCoder) or one built from its codes"
        )
        self.speakers = QLineEdit(self)
        self.speakers.setObjectName("speakers")
        self.speakers.setPlaceholderText("optional, e.g. T=therapist,P=patient")
        self.one_speaker = QComboBox(self)
        self.one_speaker.setObjectName("one_speaker")
        for text, _ in ONE_SPEAKER_CHOICES:
            self.one_speaker.addItem(text)
        self.completion = QComboBox(self)
        self.completion.setObjectName("completion")
        for text, _ in COMPLETION_CHOICES:
            self.completion.addItem(text)
        for text, edit, choose in (
            ("&Project (.qdpx):", self.project, self._choose_project),
            ("&New study:", self.target, self._choose_target),
            ("&Mapping file:", self.mapping, self._choose_mapping),
            ("&Codebook:", self.codebook, self._choose_codebook),
        ):
            label = QLabel(text, self)
            label.setBuddy(edit)
            form.addRow(label, _file_row(self, edit, choose))
        for text, widget in (
            ("&Speaker roles:", self.speakers),
            ("&Unlabelled texts:", self.one_speaker),
            ("Comp&letion:", self.completion),
        ):
            label = QLabel(text, self)
            label.setBuddy(widget)
            form.addRow(label, widget)
        layout.addLayout(form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.import_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.import_button.setText("&Import")
        buttons.accepted.connect(self.start)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    # -- choosing files -------------------------------------------------------------------
    def _open_file(self, edit: QLineEdit, title: str, filter_: str) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, title, self.start_dir, filter_)
        if chosen:
            edit.setText(chosen)

    def _choose_project(self) -> None:
        self._open_file(self.project, "REFI-QDA project", QDPX_FILTER)
        if self.project.text() and not self.target.text():
            self.target.setText(str(Path(self.project.text()).with_suffix(".scstudy")))

    def _choose_target(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(
            self, "Save the new study as", self.target.text() or self.start_dir, STUDY_FILTER
        )
        if chosen:
            self.target.setText(chosen)

    def _choose_mapping(self) -> None:
        self._open_file(self.mapping, "Mapping file", MAPPING_FILTER)

    def _choose_codebook(self) -> None:
        self._open_file(self.codebook, "Codebook", CODEBOOK_FILTER)

    # -- running --------------------------------------------------------------------------
    def _paths(self) -> tuple[Path, Path, Path | None, Path | None, dict[str, SpeakerRole]]:
        project, target = self.project.text().strip(), self.target.text().strip()
        if not project:
            raise UserError("choose the REFI-QDA project (.qdpx) to import")
        if not target:
            raise UserError("choose where to save the new study (.scstudy)")
        if "://" not in target and not Path(target).suffix:
            target += ".scstudy"
        optional = [
            Path(t) if (t := e.text().strip()) else None for e in (self.mapping, self.codebook)
        ]
        for path in (Path(project), *optional):
            if path is not None and not path.is_file():
                raise UserError("no such file", source=path)
        spec = self.speakers.text().strip()
        speakers = parse_speaker_map(spec) if spec else {}
        return Path(project), Path(target), optional[0], optional[1], speakers

    def start(self) -> None:
        try:
            project, target, mapping, codebook, speakers = self._paths()
        except UserError as exc:
            show_error(self, exc, "Cannot import")
            return
        complete = COMPLETION_CHOICES[self.completion.currentIndex()][1]
        one_speaker = ONE_SPEAKER_CHOICES[self.one_speaker.currentIndex()][1]

        def work(report: Report, _cancelled: object) -> RefiImportSummary:
            report(0, 1, f"reading {project.name} and creating {target.name}")
            return import_refi(
                project,
                target,
                mapping=mapping,
                codebook=codebook,
                speaker_map=speakers,
                complete=complete,
                one_speaker=one_speaker,
            )

        self.import_button.setEnabled(False)
        # Not cancellable: the service builds the study under a temporary name and renames
        # it at the end, so a half-way stop is not offered.
        self.run = ProgressRun(self, "Import REFI-QDA", work, label="Importing…", cancellable=False)
        self.run.done.connect(self._done)
        self.run.failed.connect(self._failed)
        self.run.start()

    def _failed(self, message: str) -> None:
        self.run = None
        self.import_button.setEnabled(True)
        show_error(self, message, "Import refused (no study was created)")

    def _done(self, summary: RefiImportSummary) -> None:
        self.run = None
        self.summary = summary
        self.accept()
        head, details = summary_text(summary)
        box = QMessageBox(
            QMessageBox.Icon.Information,
            "REFI-QDA import finished",
            head,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self.window_,
        )
        box.setObjectName("refi_summary")
        box.setInformativeText(f"{details}\n\nOpen the new study now?")
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        box.finished.connect(self._summary_closed)
        self.summary_box = box
        box.open()

    def _summary_closed(self, _result: int) -> None:
        box, self.summary_box = self.summary_box, None
        if box is None:
            return
        answer = box.standardButton(box.clickedButton())
        box.deleteLater()
        if answer == QMessageBox.StandardButton.Yes and self.summary is not None:
            # After the box's click has been handled: opening asks who is coding (a nested
            # event loop), which must not run inside the box's own button handler.
            target = str(self.summary.study)
            QTimer.singleShot(0, self.window_, lambda: self.open_study(target))


def open_refi_import(
    window: QWidget, settings: QSettings, open_study: Callable[[str], object]
) -> RefiImportDialog:
    """Show the import dialog (non-blocking, window-modal); ``open_study`` opens the new
    study in the window when the user says so."""
    for old in window.findChildren(RefiImportDialog):
        old.deleteLater()  # the previous one, kept until now for its summary
    last = str(settings.value("last/study", "") or "")
    start = str(Path(last).parent) if last and "://" not in last else str(Path.home())
    dialog = RefiImportDialog(window, start, open_study)
    dialog.open()
    return dialog
