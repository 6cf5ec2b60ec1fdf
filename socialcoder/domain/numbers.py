"""The ranges of the numbers a user types or a file holds, and one way to read them.

Every numeric command-line option (``socialcoder.cli.common`` builds argument types from these)
and every numeric cell of an input CSV (segment and session numbers) is read with
:meth:`NumberRange.parse`, so a number out of range is refused with one clear line instead of
failing deep inside the database or the random number generator.

The limits: numbers stored in the study fit a 32-bit integer column (PostgreSQL ``integer``);
a random seed is 0 to 2**32 - 1 (what every statistics package accepts); bootstrap
replicates are capped at 1,000,000 (more does not change the third decimal of an interval).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

INT32_MAX = 2**31 - 1


@dataclass(frozen=True, slots=True)
class NumberRange:
    """Whole (or, with ``whole=False``, real) numbers from ``low`` to ``high`` inclusive;
    ``noun`` names one in messages ("a session number")."""

    what: str
    noun: str
    low: float
    high: float
    whole: bool = True

    def describe(self) -> str:
        kind = "a whole number" if self.whole else "a number"
        return f"{kind} from {_plain(self.low)} to {_plain(self.high)}"

    def problem(self, text: str) -> str:
        return f"{self.what} {text.strip()!r} is not {self.noun} ({self.describe()})"

    def parse(self, text: str) -> int | float:
        """The number in ``text`` (surrounding spaces allowed); raises ValueError with a
        one-line message naming the quantity and its range."""
        cleaned = text.strip()
        try:
            value: int | float = int(cleaned) if self.whole else float(cleaned)
        except ValueError:
            raise ValueError(self.problem(text)) from None
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(self.problem(text))
        if not self.low <= value <= self.high:
            raise ValueError(self.problem(text))
        return value

    def parse_int(self, text: str) -> int:
        value = self.parse(text)
        assert isinstance(value, int)
        return value

    def contains(self, value: float) -> bool:
        return (
            math.isfinite(value)
            and self.low <= value <= self.high
            and (not self.whole or float(value).is_integer())
        )


def _plain(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else str(value)


SEGMENT = NumberRange("segment", "a segment number", 1, INT32_MAX)
SESSION = NumberRange("session", "a session number", 0, INT32_MAX)
SEED = NumberRange("seed", "a valid seed", 0, 2**32 - 1)
REPLICATES = NumberRange("replicates", "a number of bootstrap replicates", 0, 1_000_000)
PERCENT = NumberRange("overlap", "a percentage", 0, 100, whole=False)
SHARE = NumberRange("threshold", "a share", 0, 1, whole=False)
RETEST_PERCENT = NumberRange("retest", "a percentage", 0, 100, whole=False)
DAYS = NumberRange("days", "a number of days", 0, 36_500)
