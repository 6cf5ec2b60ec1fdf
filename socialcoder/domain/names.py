"""Names of coders and transcripts: what a new name may be, and how names are selected.

A name is chosen once and typed many times in selections (``--coders A,B``,
``--transcripts T1,T2``, ``--coders all``, the lead's coder field), so every path that creates
a coder (``coders add``, ``codes import --add-coders``, ``coders rename``, ``merge``,
``import-refi``, ``server add-coder``, the GUI) or a transcript (``import``, ``import-refi``)
checks it here:

* 1-100 characters for a coder, 1-200 for a transcript; no leading or trailing spaces;
  no line breaks or tabs;
* none of the selection separators: ``,`` (lists) in any name, and for coders also ``;`` and
  ``=`` (speaker and coder maps);
* not a selection word (:data:`RESERVED_WORDS`, in any letter case): ``all`` and ``consensus``
  are keywords of ``--coders``; ``final`` and ``mean`` are kept free for layers of the same kind;
* unique ignoring letter case among names of the same kind (``ANA`` is refused when ``ana``
  exists): :func:`name_key` is the comparison key.

Studies made before these rules may hold such names. They stay usable: selections match names
exactly, and a name written in double quotes is always a name, never a keyword or a list
(``--coders '"all"'``, ``--transcripts '"a,b",P02'``); see :func:`split_names`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from socialcoder.errors import UserError

RESERVED_WORDS = frozenset({"all", "consensus", "final", "mean"})
LIST_SEPARATOR = ","
CODER_SEPARATORS = (",", ";", "=")
TRANSCRIPT_SEPARATORS = (",",)
MAX_CODER = 100
MAX_TRANSCRIPT = 200
_BREAKS = ("\n", "\r", "\t", "\x00")


class BadName(UserError, ValueError):
    """A name that cannot be used, or a selection that cannot be read (one readable line)."""


@dataclass(frozen=True, slots=True)
class NameRef:
    """One item of a typed selection: ``quoted`` items are literal names, never keywords."""

    text: str
    quoted: bool = False

    def is_keyword(self, word: str) -> bool:
        return not self.quoted and self.text.casefold() == word


def name_key(name: str) -> str:
    """The comparison key of names: two names with the same key are the same name."""
    return name.strip().casefold()


def _check(name: str, kind: str, limit: int, separators: tuple[str, ...]) -> str:
    if not name or not name.strip():
        raise BadName(f"a {kind} name cannot be empty")
    if name != name.strip():
        raise BadName(f"{name!r} is not a usable {kind} name: no spaces at either end")
    if len(name) > limit:
        raise BadName(f"{name[:40]!r}... is not a usable {kind} name: at most {limit} characters")
    if any(c in name for c in _BREAKS):
        raise BadName(f"{name!r} is not a usable {kind} name: no line breaks or tabs")
    bad = [s for s in separators if s in name]
    if bad:
        shown = " ".join(repr(s) for s in separators)
        raise BadName(
            f"{name!r} is not a usable {kind} name: no {shown} (they separate names in lists)"
        )
    if name.casefold() in RESERVED_WORDS:
        words = ", ".join(sorted(RESERVED_WORDS))
        raise BadName(
            f"{name!r} is reserved (selections use the words {words}); choose another {kind} name"
        )
    return name


def check_coder_name(name: str) -> str:
    """A new coder's name (surrounding spaces removed) or :class:`BadName` saying why not."""
    return _check(name.strip(), "coder", MAX_CODER, CODER_SEPARATORS)


def check_transcript_name(name: str) -> str:
    """A new transcript's name (surrounding spaces removed) or :class:`BadName`."""
    return _check(name.strip(), "transcript", MAX_TRANSCRIPT, TRANSCRIPT_SEPARATORS)


def usable_name(raw: str, kind: str = "coder", *, keep: frozenset[str] = frozenset()) -> str:
    """A name that passes the rule, made from a name written by another tool (a REFI-QDA
    user or source): separators, line breaks and tabs become ``_``, the text is cut to the
    limit, and a reserved word (other than those in ``keep``) gets a trailing ``_``. Empty
    when nothing usable is left."""
    separators = CODER_SEPARATORS if kind == "coder" else TRANSCRIPT_SEPARATORS
    limit = MAX_CODER if kind == "coder" else MAX_TRANSCRIPT
    name = raw
    for c in (*separators, *_BREAKS):
        name = name.replace(c, "_")
    name = name.strip()[:limit].strip()
    if name.casefold() in RESERVED_WORDS - keep:
        name = name[: limit - 1] + "_"
    return name


def clash(name: str, existing: Iterable[str]) -> str | None:
    """The existing name that ``name`` would duplicate (ignoring case), or None."""
    key = name_key(name)
    return next((e for e in existing if name_key(e) == key), None)


def split_names(text: str) -> list[NameRef]:
    """Items of a typed selection ``a, b, "c,d"``: split at commas outside double quotes; an
    item wholly in double quotes (``""`` inside for a quote) is a literal name. Empty items are
    dropped. Raises :class:`BadName` for an unclosed quote."""
    items: list[NameRef] = []
    i, n = 0, len(text)
    while i <= n:
        while i < n and text[i] == " ":
            i += 1
        if i < n and text[i] == '"':
            j, buf = i + 1, []
            while True:
                if j >= n:
                    raise BadName(f"unclosed double quote in {text!r}")
                if text[j] == '"':
                    if j + 1 < n and text[j + 1] == '"':
                        buf.append('"')
                        j += 2
                        continue
                    break
                buf.append(text[j])
                j += 1
            rest = text.find(LIST_SEPARATOR, j + 1)
            tail = text[j + 1 : n if rest < 0 else rest].strip()
            if tail:
                raise BadName(
                    f"text after a closing double quote in {text!r} (quote whole names: "
                    "'\"a,b\",c')"
                )
            if buf:
                items.append(NameRef("".join(buf), quoted=True))
            i = n + 1 if rest < 0 else rest + 1
        else:
            rest = text.find(LIST_SEPARATOR, i)
            part = text[i : n if rest < 0 else rest].strip()
            if part:
                items.append(NameRef(part))
            i = n + 1 if rest < 0 else rest + 1
    return items


def selection(text: str | None) -> tuple[str, ...] | None:
    """The names of a typed selection without keywords (see :func:`split_names`); None when
    nothing is given."""
    if not text:
        return None
    return tuple(ref.text for ref in split_names(text)) or None
