"""Typed refusals of the machine coder.

Every refusal is a :class:`~socialcoder.errors.UserError` (one readable line; the command line
exits with status 2) whose fields say what was missing, so that a service or a window can act
on them without parsing the message.
"""

from __future__ import annotations

from collections.abc import Mapping

from socialcoder.errors import UserError


class MachineInputError(UserError):
    """Turns, codes or a model the machine coder cannot use."""


class TooFewUnitsError(MachineInputError):
    """Fewer coded units (or sessions) than training or evaluation needs."""

    def __init__(self, what: str, found: int, required: int, hint: str = "") -> None:
        self.what = what
        self.found = found
        self.required = required
        tail = f"; {hint}" if hint else ""
        super().__init__(f"{found} {what}, at least {required} needed{tail}")


class OneValueError(MachineInputError):
    """The training data hold only one value of the dimension: nothing to tell apart."""

    def __init__(self, dimension: str, counts: Mapping[str, int]) -> None:
        self.dimension = dimension
        self.counts = dict(counts)
        used = ", ".join(f"{value!r}: {n} units" for value, n in self.counts.items() if n)
        super().__init__(
            f"the coded units of {dimension!r} hold only one value ({used}); a machine coder "
            "needs at least two values to learn from"
        )


class ModelFormatError(MachineInputError):
    """Bytes that are not a model this version can read (nothing in them is executed)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"not a usable machine-coder model: {reason}")
