"""What the CSV files a study reads (codes, session measures) must be: UTF-8 (a byte-order mark
is fine) with commas between the columns. A file saved another way is refused with what to do
instead of a puzzle: a UTF-16 file ("Unicode text") read as *binary*, a semicolon-separated
one (Excel's CSV where the decimal separator is a comma) as *too many fields* in some later
row whose memo holds a comma, a Windows-1252 file without the line of its first accent."""

from __future__ import annotations

import codecs
from pathlib import Path

from socialcoder.errors import UserError

SAVE_AS = "save it as 'CSV UTF-8 (comma delimited)'"
_SEPARATORS = ((b";", "semicolons"), (b"\t", "tabs"))
_CHUNK = 1 << 20


def check_head(head: bytes, source: str) -> None:
    """Refuse a file whose first bytes show a text encoding other than UTF-8, or a header row
    separated by semicolons or tabs rather than commas."""
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise UserError(f"is UTF-32 text, not UTF-8; {SAVE_AS}", source=source)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UserError(f"is UTF-16 text, not UTF-8; {SAVE_AS}", source=source)
    header = head.removeprefix(codecs.BOM_UTF8).split(b"\n", 1)[0].rstrip(b"\r")
    if b"," in header:
        return
    for separator, name in _SEPARATORS:
        if separator in header:
            shown = header.decode("utf-8", "replace")
            if len(shown) > 80:
                shown = shown[:77] + "..."
            raise UserError(
                f"its columns are separated by {name}, not commas (header {shown!r}); {SAVE_AS}",
                source=source,
                row=1,
            )


def not_utf8(path: Path, source: str) -> UserError:
    """The refusal of a file that is not UTF-8, naming the line and value of its first byte
    that cannot be decoded (read in chunks: the file may be large)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    try:
        with path.open("rb") as fh:
            while True:
                chunk = fh.read(_CHUNK)
                pending = decoder.getstate()[0]  # an unfinished character from the last chunk
                try:
                    decoder.decode(chunk, final=not chunk)
                except UnicodeDecodeError as exc:
                    data = pending + chunk
                    line += data.count(b"\n", 0, exc.start)
                    return UserError(
                        f"is not UTF-8 text (line {line}: byte 0x{data[exc.start]:02x}, "
                        f"perhaps Windows-1252 or Latin-1); {SAVE_AS}",
                        source=source,
                    )
                if not chunk:
                    break
                line += chunk.count(b"\n")
    except OSError as exc:
        return UserError(f"cannot read: {exc.strerror}", source=source)
    return UserError(f"is not UTF-8 text; {SAVE_AS}", source=source)
