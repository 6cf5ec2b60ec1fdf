"""The named states the services hand around, as string enums (issue #12).

Each member's value is the string that was used before (and that stored data, JSON output and
the command line's tables still show), so a member compares equal to its string and prints as
it: ``EditKind.CODE == "code"``, ``f"{AssignmentStatus.COMPLETE}" == "complete"``. Coder kinds
are :class:`socialcoder.domain.coder_kinds.CoderKind`; speaker roles
:class:`socialcoder.domain.codebook.Role`.
"""

from __future__ import annotations

from enum import StrEnum


class EditKind(StrEnum):
    """What one coding action changed (``Change.kind``): a code, a segment memo or a
    transcript's completion. (The kinds of data a study change touched are
    :class:`socialcoder.services.study_change.ChangeKind`.)"""

    CODE = "code"
    MEMO = "memo"
    COMPLETION = "completion"


class AssignmentStatus(StrEnum):
    """How far a coder is with an assigned transcript (``progress``)."""

    NOT_STARTED = "not started"
    IN_PROGRESS = "in progress"
    COMPLETE = "complete"


class Resolution(StrEnum):
    """How a merge settled a conflict between the study and a copy."""

    KEPT_STUDY = "kept study"
    TOOK_COPY = "took copy"


class ConflictKind(StrEnum):
    """What a merge conflict is about."""

    CODE = "code"
    SEGMENT_MEMO = "segment memo"
    COMPLETION = "completion"
