"""Typed refusals of the analysis functions.

Every refusal is a :class:`~socialcoder.errors.UserError` (one readable line; the command line
exits with status 2) with fields that say exactly what was missing, so that a service or a GUI
can show or act on them without parsing the message.
"""

from __future__ import annotations

from collections.abc import Sequence

from socialcoder.errors import UserError


class AnalysisInputError(UserError):
    """Input an analysis cannot use."""


class MissingColumnError(AnalysisInputError):
    """``table`` lacks ``columns``."""

    def __init__(self, table: str, columns: Sequence[str]) -> None:
        self.table = table
        self.columns = tuple(columns)
        names = ", ".join(repr(c) for c in self.columns)
        super().__init__(f"the {table} table has no column {names}")


class AmbiguousLayerError(AnalysisInputError):
    """The table holds the codes of several coders (or layers); one must be chosen."""

    def __init__(self, table: str, layers: Sequence[str]) -> None:
        self.table = table
        self.layers = tuple(layers)
        super().__init__(
            f"the {table} table holds the codes of {len(self.layers)} coders or layers "
            f"({', '.join(self.layers)}); choose one"
        )


class TooFewUnitsError(AnalysisInputError):
    """Fewer ``unit`` than an analysis needs: ``found`` of ``required``."""

    def __init__(self, analysis: str, unit: str, found: int, required: int, hint: str = "") -> None:
        self.analysis = analysis
        self.unit = unit
        self.found = found
        self.required = required
        self.hint = hint
        tail = f"; {hint}" if hint else ""
        super().__init__(f"{analysis}: {found} {unit}, at least {required} needed{tail}")


class ConstantVariableError(AnalysisInputError):
    """``variable`` does not vary (over ``over``), so its effect cannot be estimated."""

    def __init__(self, analysis: str, variable: str, over: str = "the rows used") -> None:
        self.analysis = analysis
        self.variable = variable
        self.over = over
        super().__init__(f"{analysis}: {variable!r} does not vary over {over}")


class UnknownVariableError(AnalysisInputError):
    """A named variable is not in the table."""

    def __init__(self, name: str, known: Sequence[str]) -> None:
        self.name = name
        self.known = tuple(known)
        shown = ", ".join(self.known[:30]) + (", ..." if len(self.known) > 30 else "")
        super().__init__(f"unknown variable {name!r} (the table has: {shown})")


class CodeSpecError(AnalysisInputError):
    """A sequential code ``ROLE:DIM[=VALUE]`` that cannot be used."""

    def __init__(self, spec: str, reason: str) -> None:
        self.spec = spec
        self.reason = reason
        super().__init__(f"code {spec!r}: {reason}")
