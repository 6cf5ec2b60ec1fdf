"""Pure-Python value objects and rules: codebooks, transcripts, codes. No database, no Qt."""

from socialcoder.domain.codebook import (
    Codebook,
    CodeValue,
    Dimension,
    Role,
    Scale,
    Unit,
)
from socialcoder.domain.transcript import ParsedSegment, ParsedTranscript

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
