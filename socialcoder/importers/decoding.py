"""Bytes of a text-format transcript -> ``str`` with ``\\n`` line ends and no byte-order mark.

Order of attempts: a byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE) decides; otherwise
strict UTF-8; otherwise UTF-16 without a mark when the NUL pattern says so; otherwise
Windows-1252. NUL bytes or many control characters in what should be text mean a binary file,
which is refused.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

from socialcoder.errors import ImportFormatError

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 first: its little-endian mark starts with the UTF-16 one.
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# C0 controls other than tab, line feed, vertical tab, form feed and carriage return.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_NEWLINE_RE = re.compile(r"\r\n?")
_ESCAPED_RE = re.compile(r"[\udc80-\udcff]")  # undecodable bytes (surrogateescape)
_WIDE_RE = re.compile(r"[^\x00-\x7f\udc80-\udcff]")  # valid UTF-8 multi-byte characters
MAX_LINES_LISTED = 10


@dataclass(slots=True)
class Decoded:
    """Decoded text (``\n`` line ends, no BOM), the encoding used, and warnings for the
    import summary."""

    text: str
    encoding: str
    warnings: list[str] = field(default_factory=list)


def _lines_of(text: str, pattern: re.Pattern[str]) -> list[int]:
    """1-based numbers of the lines where ``pattern`` occurs (any line-end convention)."""
    lines: list[int] = []
    for m in pattern.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        if not lines or lines[-1] != line:
            lines.append(line)
    return lines


def _listed(lines: list[int]) -> str:
    shown = ", ".join(map(str, lines[:MAX_LINES_LISTED]))
    more = len(lines) - MAX_LINES_LISTED
    return shown + (f" and {more} more" if more > 0 else "")


def _not_utf8(data: bytes) -> Decoded:
    """Steps 4 and 5 of the module doc, for bytes that are not valid UTF-8."""
    escaped = _NEWLINE_RE.sub("\n", data.decode("utf-8", errors="surrogateescape"))
    bad = len(_ESCAPED_RE.findall(escaped))
    wide = len(_WIDE_RE.findall(escaped))
    if wide < bad:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            pass  # not Windows-1252 either: UTF-8 with replacement characters
        else:
            note = "not UTF-8: read as Windows-1252"
            if wide:
                looked = _lines_of(escaped, _WIDE_RE)
                note += f" (line(s) {_listed(looked)} looked like UTF-8; check them)"
            return Decoded(text, "cp1252", [note])
    lines = _lines_of(escaped, _ESCAPED_RE)
    text = _ESCAPED_RE.sub("\ufffd", escaped)
    return Decoded(
        text,
        "utf-8",
        [f"{bad} byte(s) that are not UTF-8 on line(s) {_listed(lines)} were replaced by '\ufffd'"],
    )


def _binary(source: str) -> ImportFormatError:
    return ImportFormatError(
        "this looks like a binary file, not a text transcript "
        "(expected UTF-8, UTF-16 or Windows-1252 text)",
        source=source,
    )


def _utf16_without_bom(data: bytes) -> str | None:
    """Codec name when ``data`` looks like BOM-less UTF-16 (NUL in every other byte), else None."""
    if len(data) < 4 or len(data) % 2:
        return None
    head = data[:4096]
    even_nuls = head[0::2].count(0)
    odd_nuls = head[1::2].count(0)
    half = len(head) // 2
    if odd_nuls > 0.4 * half and even_nuls == 0:
        return "utf-16-le"
    if even_nuls > 0.4 * half and odd_nuls == 0:
        return "utf-16-be"
    return None


def decode_text(data: bytes, *, source: str) -> str:
    """Decode ``data`` (see module doc); the text only (see :func:`decode`)."""
    return decode(data, source=source).text


def decode(data: bytes, *, source: str) -> Decoded:
    """Decode ``data`` (see module doc) and normalise CRLF/CR line ends to ``\\n``.

    The text never starts with U+FEFF. Raises :class:`ImportFormatError` for binary data.
    """
    text: str | None = None
    encoding = ""
    warnings: list[str] = []
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(codec)
            except UnicodeDecodeError as exc:
                raise ImportFormatError(
                    f"the file starts with a {codec.upper()} byte-order mark but is not "
                    f"valid {codec.upper()} (bad bytes at offset {exc.start + len(bom)})",
                    source=source,
                ) from None
            encoding = codec
            break
    if text is None:
        utf16 = _utf16_without_bom(data) if b"\x00" in data[:4096] else None
        try:
            text = data.decode(utf16 or "utf-8")
            encoding = utf16 or "utf-8"
        except UnicodeDecodeError:
            if utf16 is not None:
                raise _binary(source) from None
            decoded = _not_utf8(data)
            text, encoding, warnings = decoded.text, decoded.encoding, decoded.warnings
    text = text.lstrip("\ufeff")
    if "\x00" in text:
        raise _binary(source)
    controls = len(_CONTROL_RE.findall(text, 0, 65536))
    if controls and controls > 0.01 * min(len(text), 65536):
        raise _binary(source)
    if "\r" in text:
        text = _NEWLINE_RE.sub("\n", text)
    return Decoded(text, encoding, warnings)
