"""One path from a record to JSON data (issue #12): :func:`record` and :func:`plain`.

Every record a command prints with ``--json`` (and the window's copies of it) says what it
shows by naming its fields; this module does the rest, the same way for all of them:

* a dataclass becomes an object with its fields in their declared order (or the ``keys``
  given, which may name properties), a field renamed where the JSON key differs (``rename``),
  left out (``skip``) or given another value first (``values``);
* a string enum becomes its value, a date or datetime its ISO 8601 text (``timespec`` for
  datetimes), a path its text, a ``Decimal`` and a numpy scalar the plain number;
* a float is rounded where ``digits`` says so (also inside a list, such as a confidence
  interval);
* a tuple or set becomes a list, a mapping an object (keys as they are);
* a record with its own ``to_json()`` inside another is written by that method.

The result holds only ``dict``, ``list``, ``str``, ``int``, ``float``, ``bool`` and ``None``.
Pure Python: no numpy (a numpy scalar is recognised by its ``item()``), no pydantic.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import PurePath
from typing import Any

Timespec = str  # "auto", "seconds", ... (datetime.isoformat's)


def plain(value: object, *, digits: int | None = None, timespec: Timespec = "auto") -> Any:
    """``value`` as JSON data (see the module's rules)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, Enum):
        return plain(value.value, digits=digits, timespec=timespec)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if digits is None else round(float(value), digits)
    if isinstance(value, datetime):
        return value.isoformat(timespec=timespec)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return plain(float(value), digits=digits)
    if isinstance(value, PurePath):
        return str(value)
    own = getattr(value, "to_json", None)
    if callable(own):
        return own()
    if is_dataclass(value) and not isinstance(value, type):
        return record(value, timespec=timespec)
    if isinstance(value, Mapping):
        return {k: plain(v, digits=digits, timespec=timespec) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v, digits=digits, timespec=timespec) for v in value]
    item = getattr(value, "item", None)
    if callable(item) and hasattr(value, "dtype"):  # a numpy scalar
        return plain(item(), digits=digits, timespec=timespec)
    raise TypeError(f"no JSON form for {type(value).__name__}")


def record(
    obj: Any,
    keys: Iterable[str] | None = None,
    *,
    rename: Mapping[str, str] | None = None,
    skip: Collection[str] = (),
    values: Mapping[str, object] | None = None,
    digits: Mapping[str, int] | None = None,
    timespec: Timespec = "auto",
) -> dict[str, Any]:
    """The JSON object of the dataclass ``obj``: ``keys`` (default: its fields, in order)
    less ``skip``, each read from ``obj`` (or taken from ``values``) and made plain, under its
    name or ``rename``'s."""
    names = [f.name for f in fields(obj)] if keys is None else list(keys)
    rename = rename or {}
    values = values or {}
    digits = digits or {}
    return {
        rename.get(name, name): plain(
            values[name] if name in values else getattr(obj, name),
            digits=digits.get(name),
            timespec=timespec,
        )
        for name in names
        if name not in skip
    }
