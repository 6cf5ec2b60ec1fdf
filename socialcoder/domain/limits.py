"""Limits that every path (coding, imports, merge, the database schema) applies alike."""

from __future__ import annotations

#: the longest memo (a code's memo or a segment memo), in characters: far beyond any note a
#: coder writes, small enough that no reader (GUI, exports) is swamped by one stored value
MEMO_MAX_CHARS = 5_000_000


def check_memo(text: str | None) -> str | None:
    """``text`` unchanged, or ValueError when it is longer than :data:`MEMO_MAX_CHARS`."""
    if text is not None and len(text) > MEMO_MAX_CHARS:
        raise ValueError(
            f"a memo may hold at most {MEMO_MAX_CHARS:,} characters (this one has {len(text):,})"
        )
    return text
