"""Find in the open transcript (the find bar, Ctrl+F): the turns whose text holds the searched
text, ignoring case (str.casefold), in the whole transcript even when only part of a long one
has been read; the next one forward or back from the current turn, wrapping round."""

from __future__ import annotations

from socialcoder.gui.controller import CodingController
from socialcoder.services.transcript_view import find_segments


def matching_rows(ctl: CodingController, needle: str) -> list[int]:
    """Rows (0-based) whose text holds ``needle`` (already casefolded)."""
    if ctl.model.complete:
        return [r for r, s in enumerate(ctl.model.segments) if needle in s.text.casefold()]
    # a long transcript read in part: search the study's copy
    return [i - 1 for i in find_segments(ctl.study, ctl.transcript or "", needle)]


def next_hit(hits: list[int], row: int, forward: bool) -> int:
    """The hit after (or before) ``row``, wrapping round to the first (or last)."""
    later = [r for r in hits if (r > row if forward else r < row)]
    if later:
        return later[0] if forward else later[-1]
    return hits[0] if forward else hits[-1]


def find_in_transcript(ctl: CodingController, text: str, forward: bool) -> str | None:
    """Select the next turn holding ``text``; returns what the find bar says ('no match',
    '2 of 5'), or None when there is nothing to search for."""
    needle = text.strip().casefold()
    if not needle:
        return None
    hits = matching_rows(ctl, needle)
    if not hits:
        return "no match"
    target = next_hit(hits, ctl.current_row() or 0, forward)
    ctl.set_current(target)
    return f"{hits.index(target) + 1} of {len(hits)}"
