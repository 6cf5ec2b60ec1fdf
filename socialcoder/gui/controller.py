"""The coding controller: the actions of one coder on one open transcript.

It owns the segment model and the undo stack and calls only services (show_transcript for
*this* coder, set_code, clear_code, set_segment_memo, set_completed). Each action is stored
at once (one transaction) and pushed on the undo stack as a :class:`ChangeCommand`; the model
then repaints just the row that changed.

The keys that call these actions are :mod:`socialcoder.gui.coding_keys`.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QItemSelectionModel, QObject, Signal
from PySide6.QtWidgets import QAbstractItemView, QListView

from socialcoder.domain.codebook import Dimension, Scale, Unit
from socialcoder.domain.rules import (
    allowed_roles_text,
    applies,
    codable_roles,
    coder_progress,
    is_coded,
    next_uncoded,
)
from socialcoder.domain.states import EditKind
from socialcoder.errors import UserError
from socialcoder.gui.commands import ChangeCommand, outdated
from socialcoder.gui.errors import describe
from socialcoder.gui.segment_model import PAGE, SegmentListModel
from socialcoder.gui.undo_history import StudyUndoStack
from socialcoder.services.changes import coder_changes
from socialcoder.services.coding import (
    Change,
    clear_code,
    clear_segment,
    set_code,
    set_completed,
    set_segment_memo,
)
from socialcoder.services.machine_suggest import accept_suggestion, suggestions_for
from socialcoder.services.retest import work_identity
from socialcoder.services.study import Study
from socialcoder.services.transcript_view import SegmentView, next_uncoded_segment, show_transcript


class CodingController(QObject):
    statusMessage = Signal(str)
    armedChanged = Signal(object)
    selectedDimensionChanged = Signal(object)
    sessionChanged = Signal()
    progressChanged = Signal(str, int, int, bool)
    transcriptOpened = Signal(str)
    memoRequested = Signal()
    detailsToggled = Signal()
    currentSegmentChanged = Signal(object)

    def __init__(self, study: Study, coder: str, view: QListView, parent: QObject | None = None):
        super().__init__(parent)
        self.study = study
        #: the window's coder; ``coder`` is who the open transcript is coded as: the same
        #: person, or their retest identity on a second pass (services/retest.py)
        self.person = coder
        self.coder = coder
        self.codebook = study.codebook
        self.model = SegmentListModel(study.codebook, self)
        self.undo_stack = StudyUndoStack(self)
        self.undo_stack.refused.connect(self.statusMessage.emit)
        self.view = view
        view.setModel(self.model)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.selectionModel().currentRowChanged.connect(self._current_moved)
        self.transcript: str | None = None
        self.session_codes: dict[str, str] = {}
        self.completed = False
        self.armed: Dimension | None = None
        self.selected: Dimension | None = None
        self.ask_number: Callable[[Dimension], str | None] = lambda _dim: None
        self._roles = codable_roles(self.codebook)
        self._coded = 0
        self._codable = 0

    # -- opening -----------------------------------------------------------------------------
    def open_transcript(self, name: str) -> None:
        """Load this coder's view of ``name`` (blind: only this coder's codes are read; a
        second pass is coded as the coder's retest identity, never showing the first pass)."""
        coder = work_identity(self.study, self.person, name)
        # the first page only: the model reads the rest as the view scrolls (segment_model.py)
        tview = show_transcript(self.study, name, coder=coder, as_coder=True, limit=PAGE)
        self.coder = coder
        self.transcript = tview.transcript.name
        self.session_codes = dict(tview.session_codes)
        self.completed = tview.completed
        self.disarm()
        self.model.set_source(tview.segments, tview.total, self._page_loader(name, coder))
        self.load_suggestions()
        self._coded, self._codable = tview.progress or coder_progress(tview.segments, self.codebook)
        self.transcriptOpened.emit(self.transcript)
        self.sessionChanged.emit()
        self._emit_progress()
        if self.model.rowCount():
            self.set_current(0)

    def use_codebook(self) -> list[str]:
        """Take the study's codebook (a new version, stored elsewhere): its dimensions, keys
        and values; the open transcript's rows are read again, the cursor and the selected
        dimension (when it is still there) stay. The undo stack is cleared when a step would
        write what the new codebook no longer allows (:func:`outdated`); returns the
        dimensions that made it so (none: the stack stays)."""
        row, selected = self.current_row(), self.selected.key if self.selected else None
        old = self.codebook
        self.codebook = self.model.codebook = self.study.codebook
        stale = outdated(self.undo_stack, old, self.codebook)
        if stale:
            self.undo_stack.clear()
        self._roles = codable_roles(self.codebook)
        if self.transcript is not None:
            self.open_transcript(self.transcript)
            if row is not None and row < self.model.rowCount():
                self.set_current(row)
        first = self.codebook.segment_dimensions()
        if selected is not None and self.codebook.has(selected):
            self.select_dimension(self.codebook.dimension(selected))
        else:
            self.select_dimension(first[0] if first else None)
        return stale

    def _page_loader(self, name: str, coder: str) -> Callable[[int, int], list[SegmentView]]:
        def load(offset: int, count: int) -> list[SegmentView]:
            page = show_transcript(
                self.study, name, coder=coder, as_coder=True, offset=offset, limit=count
            )
            return page.segments

        return load

    # -- navigation --------------------------------------------------------------------------
    def current_row(self) -> int | None:
        index = self.view.currentIndex()
        return index.row() if index.isValid() else None

    def current_segment(self) -> SegmentView | None:
        row = self.current_row()
        return None if row is None else self.model.segment(row)

    def set_current(self, row: int) -> None:
        row = max(0, min(row, self.model.total - 1))
        self.model.load_to(row)  # a long transcript is read up to there first
        row = min(row, self.model.rowCount() - 1)
        index = self.model.index(row)
        self.view.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
        )
        self.view.scrollTo(index)

    def move(self, delta: int) -> None:
        row = self.current_row()
        if self.model.rowCount():
            self.set_current((row if row is not None else -1) + delta)

    def go_next_uncoded(self) -> None:
        row = self.current_row()
        after = row if row is not None else -1
        complete = self.model.complete
        found = next_uncoded(self.model.segments, self.codebook, after, wrap=complete)
        if found is None and not complete and self.transcript is not None:
            # not among the segments read so far: ask the study (the rest of a long transcript)
            seg = self.current_segment()
            index = next_uncoded_segment(
                self.study, self.transcript, coder=self.coder, after=seg.index if seg else 0
            )
            found = None if index is None else index - 1
        if found is None:
            self.statusMessage.emit("Every codable segment has a code.")
        else:
            self.set_current(found)

    def _current_moved(self, *_: object) -> None:
        seg = self.current_segment()
        if self.armed is not None and self.armed.unit is Unit.SEGMENT:
            self.disarm()
        self.currentSegmentChanged.emit(seg)
        # a segment dimension of the other speaker's turns stays selected (its definition
        # shown beside a table that does not list it) only where none applies here
        dims = self.dimensions_for(seg)
        chosen = self.selected
        if chosen is not None and chosen.unit is Unit.SEGMENT and chosen not in dims and dims:
            self.select_dimension(dims[0])

    # -- dimensions --------------------------------------------------------------------------
    def dimensions_for(self, seg: SegmentView | None) -> list[Dimension]:
        """Segment-level dimensions that apply to ``seg``'s role (none without a segment)."""
        return [] if seg is None else list(self.codebook.segment_dimensions(seg.role))

    def select_dimension(self, dim: Dimension | None) -> None:
        self.selected = dim
        self.selectedDimensionChanged.emit(dim)

    def arm(self, dim: Dimension) -> None:
        self.armed = dim
        self.select_dimension(dim)
        self.armedChanged.emit(dim)
        self.statusMessage.emit(self.arm_prompt(dim))

    def disarm(self) -> None:
        if self.armed is not None:
            self.armed = None
            self.armedChanged.emit(None)

    @staticmethod
    def arm_prompt(dim: Dimension) -> str:
        """The status line of an armed dimension: the keys that pick, clear or cancel."""
        keys = [v.shortcut for v in dim.values if v.shortcut]
        choices = "/".join(keys)
        digits = f"1-{min(len(dim.values), 9)}" if dim.values else ""
        what = " or ".join(x for x in (choices, digits) if x)
        return f"{dim.key}: press {what}, Delete clears, Esc cancels"

    def press_dimension(self, dim: Dimension) -> None:
        """What a dimension's shortcut does (see the module docstring)."""
        self.select_dimension(dim)
        if self.refuse_change():
            return
        if dim.unit is Unit.SESSION:
            if not dim.values:
                self._ask_free_value(dim)
            else:
                self.arm(dim)
            return
        seg = self.current_segment()
        if seg is None:
            return
        if not applies(dim, seg.role):
            roles = allowed_roles_text(dim)
            self.statusMessage.emit(
                f"Not stored: {dim.key} applies to {roles} turns; segment {seg.index} is a "
                f"{seg.role} turn.",
            )
            return
        if dim.scale is Scale.BINARY:
            if seg.codes.get(dim.key) == "1":
                self.clear(dim, seg.index)
            else:
                self.code(dim, seg.index, "1")
        elif dim.values:
            self.arm(dim)
        else:
            self._ask_free_value(dim)

    def _ask_free_value(self, dim: Dimension) -> None:
        value = self.ask_number(dim)
        if value is not None and value.strip():
            seg = self.current_segment()
            self.code(dim, None if dim.unit is Unit.SESSION or seg is None else seg.index, value)

    def load_suggestions(self) -> None:
        """The machine's suggestions for this coder (none unless the study turned them on)."""
        found: dict[int, dict[str, tuple[str, float]]] = {}
        if self.transcript is not None:
            for s in suggestions_for(self.study, self.coder, self.transcript):
                found.setdefault(s.segment, {})[s.dimension] = (s.value, s.probability)
        self.model.set_suggestions(found)

    def accept_suggested(self) -> None:
        """Accept the machine's suggestion on the current segment (the armed dimension's, or
        the only one); the audit log marks it as a machine suggestion."""
        row = self.current_row()
        if row is None or self.transcript is None:
            return
        offered = self.model.suggested(row)
        if self.armed is not None:
            offered = {k: v for k, v in offered.items() if k == self.armed.key}
        if len(offered) != 1:
            self.statusMessage.emit(
                "No machine suggestion here."
                if not offered
                else "Several suggestions here: arm a dimension first, then accept."
            )
            return
        (key,) = offered
        segment = self.model.segment(row).index
        self.disarm()
        self._perform(
            lambda: accept_suggestion(
                self.study,
                coder=self.coder,
                transcript=self.transcript or "",
                segment=segment,
                dimension=key,
            )
        )

    # -- actions (each one transaction + one undo command) -----------------------------------
    def code(self, dim: Dimension, segment: int | None, value: str) -> None:
        assert self.transcript is not None
        self._perform(
            lambda: set_code(
                self.study,
                coder=self.coder,
                transcript=self.transcript or "",
                segment=segment,
                dimension=dim.key,
                value=value,
            )
        )

    def clear(self, dim: Dimension, segment: int | None) -> None:
        self._perform(
            lambda: clear_code(
                self.study,
                coder=self.coder,
                transcript=self.transcript or "",
                segment=segment,
                dimension=dim.key,
            )
        )

    def clear_segment(self) -> None:
        """Clear every code of the current segment: one transaction, one undo step."""
        if self.refuse_change():
            return
        seg = self.current_segment()
        if seg is None or not seg.codes:
            self.statusMessage.emit("Nothing to clear on this segment.")
            return
        try:
            changes = clear_segment(
                self.study, coder=self.coder, transcript=self.transcript or "", segment=seg.index
            )
        except UserError as exc:
            self.statusMessage.emit(f"Not stored: {describe(exc)}")
            return
        if not changes:  # the window showed codes that were cleared elsewhere since
            self.reload_changed()
            self.statusMessage.emit(
                f"No change: segment {seg.index} had no codes any more (changed elsewhere; "
                "now shown)."
            )
            return
        for change in changes:
            self.apply(change)
        text = f"clear all codes on segment {seg.index}"
        self.undo_stack.push(ChangeCommand(self.study, changes, self.apply, text))
        self.statusMessage.emit(f"Cleared the codes of segment {seg.index}.")

    def set_memo(self, text: str) -> None:
        seg = self.current_segment()
        if seg is not None:
            self._perform(
                lambda: set_segment_memo(
                    self.study,
                    coder=self.coder,
                    transcript=self.transcript or "",
                    segment=seg.index,
                    text=text,
                )
            )

    def set_completed(self, completed: bool) -> None:
        self._perform(
            lambda: set_completed(
                self.study, coder=self.coder, transcript=self.transcript or "", completed=completed
            )
        )

    def refuse_change(self) -> bool:
        """True, with a message, when the study is read-only (opened from a read-only file
        or folder): every key that would store something is refused before it does."""
        reason = self.study.read_only
        if reason is None:
            return False
        self.statusMessage.emit(f"Not stored: this study is read-only ({reason}).")
        return True

    def _perform(self, action: Callable[[], Change]) -> None:
        if self.transcript is None or self.refuse_change():
            return
        try:
            change = action()
        except UserError as exc:
            self.statusMessage.emit(f"Not stored: {describe(exc)}")
            return
        if not change.changed:
            if self._shown(change) != (change.new_value, change.new_memo):
                # the window showed something else: it was changed elsewhere since
                self.reload_changed()
                self.statusMessage.emit(self._already_text(change))
            else:
                self.statusMessage.emit("No change.")
            return
        self.undo_stack.push(ChangeCommand(self.study, change, self.apply))
        self.apply(change)

    def apply(self, change: Change) -> None:
        """Show a stored change (made now, undone or redone): repaint one row or the session,
        go to the row, say what was saved."""
        if change.transcript != self.transcript:
            self.open_transcript(change.transcript)
            return
        unread = change.segment is not None and self.model.row_of(change.segment) is None
        if unread and change.segment is not None:
            # e.g. undo after reopening a long transcript: read up to the segment (read as
            # stored, with the change), and count the progress again
            self.model.load_to(change.segment - 1)
        row = self._show(change)
        if unread:
            counted = show_transcript(
                self.study, self.transcript or "", coder=self.coder, as_coder=True, limit=0
            ).progress
            if counted is not None:
                self._coded, self._codable = counted
                self._emit_progress()
        if row is not None and self.current_row() != row:
            self.set_current(row)
        if change.kind == EditKind.COMPLETION:
            self.statusMessage.emit(
                "Marked complete."
                if self.completed
                else "Reopened: empty codes are 'not coded yet'.",
            )
        elif change.segment is None or row is not None:
            self.statusMessage.emit(self._saved_text(change))

    def reload_changed(self) -> list[Change]:
        """Show what is stored now where it differs from what the window shows (changed
        elsewhere: the CLI, another window, a merge): the differences, as Changes, go through
        the path of the window's own changes (only the affected rows are repainted); the
        cursor stays where it is. Returns them."""
        if self.transcript is None:
            return []
        read = len(self.model.segments)
        complete = self.model.complete
        stored = show_transcript(  # what the window has read of it (all, or the first pages)
            self.study,
            self.transcript,
            coder=self.coder,
            as_coder=True,
            limit=None if complete else read,
        )
        shown = [s.index for s in self.model.segments]
        if [s.index for s in stored.segments] != shown or (
            not complete and stored.total != self.model.total
        ):
            row = self.current_row()  # the transcript itself was replaced: show it anew
            self.open_transcript(self.transcript)
            if row is not None and self.model.rowCount():
                self.set_current(row)
            return []
        changes = coder_changes(self.model.segments, self.session_codes, self.completed, stored)
        for change in changes:
            self._show(change)
        if stored.progress is not None and stored.progress != (self._coded, self._codable):
            self._coded, self._codable = stored.progress  # changed in segments not read yet
            self._emit_progress()
        return changes

    def _show(self, change: Change) -> int | None:
        """Put one stored change of this transcript on screen; the row it changed, if any."""
        if change.kind == EditKind.COMPLETION:
            self.completed = change.new_value == "1"
            self.sessionChanged.emit()
            self._emit_progress()
            return None
        if change.segment is None:
            assert change.dimension is not None
            if change.new_value is None:
                self.session_codes.pop(change.dimension, None)
            else:
                self.session_codes[change.dimension] = change.new_value
            self.sessionChanged.emit()
            return None
        row = self.model.row_of(change.segment)
        if row is None:
            return None
        before = self.model.segment(row)
        if change.kind == EditKind.MEMO:
            self.model.set_memo(row, change.new_memo)
        else:
            assert change.dimension is not None
            self.model.set_code(row, change.dimension, change.new_value)
        after = self.model.segment(row)
        if before.role in self._roles:
            self._coded += int(is_coded(after, self.codebook)) - int(
                is_coded(before, self.codebook)
            )
        if self.current_row() == row:
            self.currentSegmentChanged.emit(after)
        self._emit_progress()
        return row

    def _shown(self, change: Change) -> tuple[str | None, str | None]:
        """What the window shows for ``change``'s unit, as (value, memo) in its terms."""
        if change.kind == EditKind.COMPLETION:
            return str(int(self.completed)), change.new_memo
        if change.segment is None:
            return self.session_codes.get(change.dimension or ""), change.new_memo
        row = self.model.row_of(change.segment)
        if row is None:
            return change.new_value, change.new_memo
        seg = self.model.segment(row)
        if change.kind == EditKind.MEMO:
            return change.new_value, seg.memo
        return seg.codes.get(change.dimension or ""), change.new_memo

    @staticmethod
    def _already_text(change: Change) -> str:
        where = f"segment {change.segment}" if change.segment is not None else "session"
        if change.kind == EditKind.COMPLETION:
            what = "marked complete" if change.new_value == "1" else "open"
            return f"No change: the transcript was already {what} (changed elsewhere; now shown)."
        if change.kind == EditKind.MEMO:
            return (
                f"No change: that memo was already stored ({where}; changed elsewhere; now shown)."
            )
        if change.new_value is None:
            return (
                f"No change: {change.dimension} was already empty ({where}; changed "
                "elsewhere; now shown)."
            )
        return (
            f"No change: {change.dimension} was already {change.new_value} ({where}; changed "
            "elsewhere; now shown)."
        )

    @staticmethod
    def _saved_text(change: Change) -> str:
        where = f"segment {change.segment}" if change.segment is not None else "session"
        if change.kind == EditKind.MEMO:
            return f"Memo {'saved' if change.new_memo else 'removed'} ({where})."
        if change.new_value is None:
            return f"Cleared {change.dimension} ({where})."
        return f"Saved {change.dimension} = {change.new_value} ({where})."

    def _emit_progress(self) -> None:
        if self.transcript is not None:
            self.progressChanged.emit(self.transcript, self._coded, self._codable, self.completed)

    @property
    def progress(self) -> tuple[int, int]:
        return self._coded, self._codable
