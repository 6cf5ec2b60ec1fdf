"""Typed rows: the one place that turns a query's result into plain typed tuples.

SQLAlchemy 2.1 deprecated ``Result.tuples()`` ("a Row behaves like a tuple and unpacks its
types directly"), but mypy cannot yet unpack a ``Row[int, str]`` into ``int, str`` (it sees
each element as the join of the column types). :func:`tuples` keeps both: at run time it is
``result.all()`` (each Row is a named tuple), for mypy it is a sequence of ``tuple[int, str]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVarTuple, cast

if TYPE_CHECKING:
    from sqlalchemy import Result

_Ts = TypeVarTuple("_Ts")


def tuples(result: Result[*_Ts]) -> Sequence[tuple[*_Ts]]:
    """Every row of ``result``, typed as tuples of the selected columns' types."""
    return cast("Sequence[tuple[*_Ts]]", result.all())
