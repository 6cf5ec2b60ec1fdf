"""A transcript as read from a file, before it is stored: speaker turns with roles and times."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from socialcoder.domain.codebook import Role


@dataclass(frozen=True, slots=True)
class ParsedSegment:
    """One speaker turn. ``label`` is the speaker label as written; times are in seconds."""

    role: Role
    label: str
    text: str
    start: float | None = None
    end: float | None = None


@dataclass(frozen=True, slots=True)
class ParsedTranscript:
    """What an importer returns: turns in order, plus what came before the first turn.

    ``content_hash`` is the SHA-256 of the file's bytes and identifies the content in a study
    (importing the same content twice is refused; merging matches transcripts by it).
    ``warnings`` say what the import could not read as written (undecodable bytes, a guessed
    encoding, text boxes...), for the import summary.
    """

    source_name: str
    format: str
    segments: tuple[ParsedSegment, ...]
    content_hash: str
    preamble: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
