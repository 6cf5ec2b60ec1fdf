"""Pure-Python value objects and rules: codebooks, transcripts, codes. No database, no Qt.

The names below are loaded when first asked for, so that importing one small module of the
domain (``socialcoder.domain.numbers`` for the command line's options) does not load the
codebook and transcript models too (start-up, issue #14)."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from socialcoder.domain.codebook import (
        Codebook,
        CodeValue,
        Dimension,
        Role,
        Scale,
        Unit,
    )
    from socialcoder.domain.transcript import ParsedSegment, ParsedTranscript

_HOME = {
    "CodeValue": "codebook",
    "Codebook": "codebook",
    "Dimension": "codebook",
    "Role": "codebook",
    "Scale": "codebook",
    "Unit": "codebook",
    "ParsedSegment": "transcript",
    "ParsedTranscript": "transcript",
}

__all__ = [
    "CodeValue",
    "Codebook",
    "Dimension",
    "ParsedSegment",
    "ParsedTranscript",
    "Role",
    "Scale",
    "Unit",
]


def __getattr__(name: str) -> object:
    if name in _HOME:
        value = getattr(import_module(f"socialcoder.domain.{_HOME[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
