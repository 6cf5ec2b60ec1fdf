"""File menu actions: open or create a study, choose the coder, import transcripts.

Each calls services only (open_study, create_study, list_coders, add_coders,
import_transcripts); a refused action is shown as a one-line error dialog.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMainWindow, QMessageBox

from socialcoder.codebooks import DEFAULT_CODEBOOK_PATH
from socialcoder.errors import UnknownSpeakersError, UserError
from socialcoder.gui import server_dialog
from socialcoder.gui.background import run_blocking
from socialcoder.gui.dialogs import CoderDialog, run_dialog, show_error
from socialcoder.gui.lead.workers import Report, Work
from socialcoder.importers import SpeakerRole, parse_speaker_map
from socialcoder.services.audit_events import record_opened
from socialcoder.services.coders import add_coders, list_coders
from socialcoder.services.media import recording_of
from socialcoder.services.server_target import needs_password
from socialcoder.services.study import Study, create_study
from socialcoder.services.study import open_study as open_study_service
from socialcoder.services.transcript_import import (
    ImportItem,
    ImportSummary,
    import_transcripts,
    read_manifest,
)

STUDY_FILTER = "SocialCoder studies (*.scstudy);;All files (*)"
TRANSCRIPT_FILTER = "Transcripts (*.txt *.vtt *.srt *.docx *.csv *.tsv);;All files (*)"


class FileActions:
    """The File menu's study and import actions for one window: ``parent`` is the dialogs'
    parent (and its status bar shows progress), ``settings`` the user's settings; ``study``
    returns the open study, ``show_study(study, coder, transcript)`` shows one once the coder
    is known, ``open_path(target)`` opens a chosen study file as the window opens any study,
    ``refresh()`` reloads the transcripts list after an import."""

    def __init__(
        self,
        parent: QMainWindow,
        settings: QSettings,
        *,
        study: Callable[[], Study | None],
        show_study: Callable[[Study, str, str | None], object],
        open_path: Callable[[str], object],
        refresh: Callable[[], object],
    ) -> None:
        self.parent = parent
        self.settings = settings
        self.study = study
        self.show_study = show_study
        self.open_path = open_path
        self.refresh = refresh

    def choose_coder(self, study: Study, wanted: str | None) -> str | None:
        """Who is coding: ``wanted`` if it is a coder of the study, else ask (adding a new coder
        when the user types one). None when the user cancels. A coder's login on a server study
        codes as its own coder, whoever was asked for."""
        if study.login_coder is not None:
            return study.login_coder
        names = [c.name for c in list_coders(study)]
        if wanted is not None and wanted in names:
            return wanted
        last = wanted or str(self.settings.value("last/coder", "") or "")
        while True:
            dialog = CoderDialog(names, study.name, last, self.parent)
            if wanted is not None and wanted not in names:
                dialog.new.setChecked(True)
                dialog.name.setText(wanted)
            name_of, new_of = dialog.coder, dialog.is_new
            accepted = run_dialog(dialog)
            name, is_new = name_of(), new_of()
            if not accepted:
                return None
            if not is_new:
                return name
            try:
                return add_coders(study, [name])[0]
            except UserError as exc:
                show_error(self.parent, exc)
                wanted = None

    def open_study(self, target: str, coder: str | None, transcript: str | None) -> bool:
        """Open ``target`` and attach it; a server URL whose password was hidden (from the recent
        list) opens the server dialog instead, to ask for the password (returns False then)."""
        if needs_password(target):
            server_dialog.open_server_study(self.parent, target, attach=self.attach_study)
            return False
        try:
            study = open_study_service(target)
        except UserError as exc:
            show_error(self.parent, exc, "Cannot open the study")
            return False
        return self._attach(study, coder, transcript)

    def attach_study(self, study: Study) -> bool:
        """Show an already opened ``study`` (asking who is coding, or the lead role)."""
        return self._attach(study, None, None)

    def _attach(self, study: Study, coder: str | None, transcript: str | None) -> bool:
        try:
            who = self.choose_coder(study, coder)
        except UserError as exc:
            show_error(self.parent, exc)
            who = None
        if who is None:
            study.close()
            return False
        record_opened(study, actor=who, role="coder", program="SocialCoder window")
        self.show_study(study, who, transcript)
        return True

    def _start_dir(self) -> str:
        last = str(self.settings.value("last/study", "") or "")
        return str(Path(last).parent) if last and "://" not in last else str(Path.home())

    def choose_study(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.parent, "Open study", self._start_dir(), STUDY_FILTER
        )
        if path:
            self.open_path(path)

    def new_study(self) -> None:
        """Pick a codebook (default offered), then where to save the study."""
        answer = QMessageBox.question(
            self.parent,
            "New study",
            "Use the bundled codebook 'Socialization to the treatment model'?\n\n"
            "Choose No to pick your own codebook file (YAML).",
            QMessageBox.StandardButton.Yes
            | QMessageBox.StandardButton.No
            | QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Cancel:
            return
        codebook = DEFAULT_CODEBOOK_PATH
        if answer == QMessageBox.StandardButton.No:
            chosen, _ = QFileDialog.getOpenFileName(
                self.parent,
                "Codebook",
                self._start_dir(),
                "Codebooks (*.yaml *.yml);;All files (*)",
            )
            if not chosen:
                return
            codebook = Path(chosen)
        path, _ = QFileDialog.getSaveFileName(
            self.parent,
            "Save the new study as",
            str(Path(self._start_dir()) / "study.scstudy"),
            STUDY_FILTER,
        )
        if not path:
            return
        if not path.endswith(".scstudy") and "." not in Path(path).name:
            path += ".scstudy"
        encrypt = (
            QMessageBox.question(
                self.parent,
                "New study",
                "Encrypt the study file with a passphrase?\n\nAn encrypted study cannot be read "
                "by anyone without the passphrase (exports are not encrypted).",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            )
            == QMessageBox.StandardButton.Yes
        )
        try:
            study = create_study(path, codebook_path=codebook, encrypt=encrypt)
        except UserError as exc:
            show_error(self.parent, exc, "Cannot create the study")
            return
        self._attach(study, None, None)

    def import_files(self) -> None:
        if self.study() is None:
            show_error(self.parent, "Open or create a study first.")
            return
        paths, _ = QFileDialog.getOpenFileNames(
            self.parent, "Import transcripts", self._start_dir(), TRANSCRIPT_FILTER
        )
        if paths:
            self.run_import([ImportItem(path=Path(p)) for p in paths])

    def import_manifest(self) -> None:
        if self.study() is None:
            show_error(self.parent, "Open or create a study first.")
            return
        path, _ = QFileDialog.getOpenFileName(
            self.parent,
            "Import from a manifest",
            self._start_dir(),
            "Manifest (*.csv);;All files (*)",
        )
        if not path:
            return
        try:
            items = read_manifest(Path(path))
        except UserError as exc:
            show_error(self.parent, exc, "Cannot read the manifest")
            return
        self.run_import(items)

    def _ask_speaker_map(self, error: UnknownSpeakersError) -> dict[str, SpeakerRole] | None:
        example = ", ".join(f"{label}=ROLE" for label in error.labels[:3])
        text, ok = QInputDialog.getText(
            self.parent,
            "Unknown speakers",
            f"{error}\n\nOne LABEL=ROLE for each label, comma-separated, e.g. {example}:",
        )
        if not ok or not text.strip():
            return None
        try:
            return parse_speaker_map(text)
        except UserError as exc:
            show_error(self.parent, exc)
            return None

    def run_import(self, items: list[ImportItem]) -> ImportSummary | None:
        """Import in a worker thread behind a window-modal progress dialog (the window does not
        use the study meanwhile), then refresh and show a summary; unknown speaker labels are
        asked for and the import is run again. Cancel stores nothing (one transaction)."""
        study = self.study()
        assert study is not None
        while True:
            work = _import_work(study, list(items))
            outcome = run_blocking(self.parent, "Import transcripts", work, label="Importing…")
            if outcome.cancelled:
                self.parent.statusBar().showMessage("Import cancelled; nothing was stored.", 10_000)
                return None
            if outcome.error is not None:
                show_error(self.parent, outcome.error, "Import refused (nothing was stored)")
                return None
            if not isinstance(outcome.result, UnknownSpeakersError):
                break
            mapping = self._ask_speaker_map(outcome.result)
            if mapping is None:
                return None
            items = [
                dataclasses.replace(i, speaker_map={**i.speaker_map, **mapping}) for i in items
            ]
        summary: ImportSummary = outcome.result
        self.refresh()
        lines = []
        for t in summary.transcripts:
            lines.append(
                f"{t.name}: {t.segments} segments ({t.patient_turns} patient, "
                f"{t.therapist_turns} therapist turns)"
            )
            lines += [f"    {note}" for note in t.notes()]
        QMessageBox.information(
            self.parent,
            "Import finished",
            f"Imported {len(summary.transcripts)} transcript(s), "
            f"{summary.segments} segments.\n\n" + "\n".join(lines),
        )
        return summary


def first_to_open(study: Study, names: list[str]) -> str:
    """The first transcript of ``names``; in the sample study, the first with a recording,
    so that its tour starts where the coder can listen (one key plays the selected turn)."""
    if study.info().demo:
        for name in names:
            try:
                if recording_of(study, name) is not None:
                    return name
            except UserError:  # a lab server's coder: not her transcript's recording
                continue
    return names[0]


def _import_work(study: Study, items: list[ImportItem]) -> Work:
    """The worker's task: the summary, or the UnknownSpeakersError to ask about."""

    def work(report: Report, _cancelled: object) -> ImportSummary | UnknownSpeakersError:
        try:
            return import_transcripts(study, items, progress=report)
        except UnknownSpeakersError as exc:
            return exc  # asked for on the GUI thread, then imported again

    return work
