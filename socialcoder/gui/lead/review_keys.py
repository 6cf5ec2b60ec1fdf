"""The review's keymap: which consensus value a key press picks (:func:`resolve_review_key`) and
which key the panel shows for each value (:func:`value_key`). Plain Python (no Qt): the review
view passes it the key text."""

from __future__ import annotations

from collections.abc import Sequence

from socialcoder.domain.codebook import Dimension, Scale

#: a binary dimension's keys when its values have no shortcut letters
BINARY_KEYS = {"p": "1", "a": "0"}


def resolve_review_key(
    dim: Dimension, key: str, coder_values: Sequence[str | None], *, alt: bool = False
) -> str | None:
    """The consensus value a key press picks in the review, or None.

    * digit N (1-9): coder N's value (coders in the order shown);
    * Alt+digit N: the dimension's N-th value in codebook order;
    * a value's shortcut letter (e.g. n/m/s for resistance); for a binary dimension without
      value shortcuts, ``p`` = present (1) and ``a`` = absent (0).
    """
    key = key.lower()
    if key.isdigit() and key != "0":
        n = int(key)
        if alt:
            return dim.values[n - 1].value if n <= len(dim.values) else None
        return coder_values[n - 1] if n <= len(coder_values) else None
    for v in dim.values:
        if v.shortcut and v.shortcut.lower() == key:
            return v.value
    if dim.scale is Scale.BINARY and not any(v.shortcut for v in dim.values):
        return BINARY_KEYS.get(key)
    return None


def value_key(dim: Dimension, position: int) -> str:
    """The key that picks the value at ``position`` (0-based) in the review."""
    v = dim.values[position]
    if v.shortcut:
        return v.shortcut
    if dim.scale is Scale.BINARY:
        for key, value in BINARY_KEYS.items():
            if value == v.value:
                return key
    return f"Alt+{position + 1}" if position < 9 else ""
