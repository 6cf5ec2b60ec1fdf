"""Word ``.docx`` transcripts: body paragraphs read as plain-text lines (see :mod:`.text`).

Before python-docx sees the file, the zip container is checked so that a zip bomb or a damaged
file is refused cheaply: at most :data:`MAX_ENTRIES` entries, at most :data:`MAX_UNCOMPRESSED`
bytes uncompressed in total, no entry expanding more than :data:`MAX_RATIO` times (for entries
over 1 MB), and ``word/document.xml`` present.

The body is read in document order: paragraphs as lines, and table rows as turn lines (see
:mod:`.docx_tables` for the layouts read), both then go through the plain-text rules. Content
controls are opened. Bold labels are common: a paragraph whose leading bold run(s) hold a
name-like label *without* a colon (``**Therapist**  Hello``) gets a colon after that label, when
the label is a built-in or mapped one or begins at least two paragraphs in bold (a weaker sign
than a colon, so the stricter rule). Labels with a colon need nothing. Soft line breaks inside a
paragraph become line breaks. Headers, footers, footnotes and comments are not part of the
transcript; text in text boxes is not read, and the import says so.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from socialcoder.errors import ImportFormatError
from socialcoder.importers.docx_tables import W, table_lines
from socialcoder.importers.speakers import SpeakerResolver, label_shape_ok, normalize_label

if TYPE_CHECKING:
    from docx.text.paragraph import Paragraph
    from docx.text.run import Run

MAX_ENTRIES = 5_000
MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 200
_DOCUMENT_PART = "word/document.xml"


def check_container(data: bytes, *, source: str) -> None:
    """Refuse a damaged, truncated or oversized zip, or one that is not a Word document."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise ImportFormatError(
            "not a readable .docx file (the zip container is damaged or truncated)",
            source=source,
        ) from None
    if len(infos) > MAX_ENTRIES:
        raise ImportFormatError(
            f"refused .docx: {len(infos)} zip entries (at most {MAX_ENTRIES})", source=source
        )
    total = sum(info.file_size for info in infos)
    if total > MAX_UNCOMPRESSED:
        raise ImportFormatError(
            f"refused .docx: it would expand to {total // 2**20} MB "
            f"(at most {MAX_UNCOMPRESSED // 2**20} MB)",
            source=source,
        )
    for info in infos:
        if info.file_size > 2**20 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ImportFormatError(
                f"refused .docx: entry {info.filename!r} expands {MAX_RATIO}+ times "
                "(looks like a zip bomb)",
                source=source,
            )
    if _DOCUMENT_PART not in {info.filename for info in infos}:
        raise ImportFormatError(
            f"not a Word document (.docx): {_DOCUMENT_PART} is missing", source=source
        )


def _bold(run: Run) -> bool:
    if run.bold:
        return True
    style = run.style
    return bool(style is not None and style.font.bold)


def _bold_prefix(paragraph: Paragraph) -> tuple[str, str] | None:
    """(bold label, rest of the text) when the paragraph starts with a colon-less bold label."""
    lead: list[str] = []
    rest: list[str] = []
    runs = paragraph.runs
    for i, run in enumerate(runs):
        text = run.text
        if not lead and not text.strip():
            continue
        if _bold(run):
            lead.append(text)
            continue
        rest = [r.text for r in runs[i:]]
        break
    label = "".join(lead).strip()
    tail = "".join(rest)
    if not label or ":" in label or tail.lstrip().startswith(":") or "\n" in label:
        return None
    if not label_shape_ok(label):
        return None
    return label, tail.strip()


@dataclass(slots=True)
class DocxText:
    """A document's body as text lines for the plain-text rules, the speaker labels of table
    rows, and notes for the import summary."""

    text: str
    speakers: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _body_blocks(container: Any) -> Iterator[Any]:
    """``w:p`` and ``w:tbl`` elements of the body in document order (content controls
    opened)."""
    for child in container.iterchildren():
        if child.tag in (f"{W}p", f"{W}tbl"):
            yield child
        elif child.tag == f"{W}sdt":
            content = child.find(f"{W}sdtContent")
            if content is not None:
                yield from _body_blocks(content)


def _text_boxes(body: Any) -> int:
    """Text boxes holding text (a fallback copy of the same box counted once)."""
    fallback = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
    count = 0
    for box in body.iter(f"{W}txbxContent"):
        if any(a.tag == fallback for a in box.iterancestors()):
            continue
        if "".join(box.itertext()).strip():
            count += 1
    return count


def docx_text(data: bytes, *, source: str, resolver: SpeakerResolver) -> DocxText:
    """The body of a .docx as ``\n``-separated lines (bold labels given a colon, table rows
    as turn lines), in document order."""
    check_container(data, source=source)
    try:
        import docx  # python-docx; imported here so text-only use does not pay for it
        from docx.text.paragraph import Paragraph

        document = docx.Document(io.BytesIO(data))
        parent = document._body
        body = document.element.body

        def paragraph_text(p: Any) -> str:
            return Paragraph(p, parent).text

        blocks: list[tuple[str, Any]] = []
        tables = 0
        out = DocxText("")
        for element in _body_blocks(body):
            if element.tag == f"{W}p":
                paragraph = Paragraph(element, parent)
                blocks.append(("p", (paragraph.text, _bold_prefix(paragraph))))
            else:
                tables += 1
                table = table_lines(element, tables, paragraph_text, source)
                blocks.append(("t", table.lines))
                out.speakers += table.speakers
                out.warnings += table.warnings
        boxes = _text_boxes(body)
    except ImportFormatError:
        raise
    except Exception as exc:  # python-docx/lxml raise many kinds on a malformed document
        raise ImportFormatError(
            f"not a readable .docx file ({type(exc).__name__})", source=source
        ) from None
    if boxes:
        out.warnings.append(
            f"{boxes} text box(es) not read (move transcript text out of text boxes)"
        )
    counts: dict[str, int] = {}
    for kind, item in blocks:
        if kind == "p" and item[1] is not None:
            key = normalize_label(item[1][0])
            counts[key] = counts.get(key, 0) + 1
    lines: list[str] = []
    for kind, item in blocks:
        if kind == "t":
            lines.extend(item)
            continue
        text, prefix = item
        if prefix is not None:
            key = normalize_label(prefix[0])
            if not resolver.is_excluded(key) and (counts[key] >= 2 or resolver.is_known(key)):
                text = f"{prefix[0]}: {prefix[1]}"
        lines.append(text)
    out.text = "\n".join(lines)
    return out
