"""Finding identifiers in transcript text: rules and lists, offline (pure functions).

What is found (``kind``):

* ``PERSON``: the study's own speaker names and participant / therapist ids, the names in the
  lead's list, and capitalised words after a name cue (``my husband``, ``Dr``, ``called``...);
  a name found by a cue anywhere is then found everywhere in the study;
* ``PLACE``, ``ORG``: the places and organisations in the lead's list;
* ``DATE``: day-level dates in common forms (``12 March 2024``, ``March 12th``, ``12/03/2024``,
  ``2024-03-12``); a year or a month alone is not an identifier;
* ``PHONE``, ``EMAIL``, ``ADDRESS`` (a house number and street, a UK postcode, a US state and
  ZIP), ``AGE`` (an age over 89, as HIPAA's safe harbour asks), ``RECORD`` (a number after
  ``MRN``, ``NHS number``, ``record number``, ``patient ID``...).

A name that is also an ordinary English word (``Hope``, ``Will``, ``May``...) is proposed for
review (``review=True``), never replaced without the lead's decision. Matching of names is
case-sensitive on the capitalised form, so ``will`` the verb is never a candidate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

KINDS = ("PERSON", "PLACE", "ORG", "DATE", "PHONE", "EMAIL", "ADDRESS", "AGE", "RECORD")
_PRIORITY = {k: i for i, k in enumerate(("EMAIL", "RECORD", "ADDRESS", "PHONE", "DATE", "AGE",
                                          "PERSON", "ORG", "PLACE"))}  # fmt: skip

#: names that are also ordinary words: proposed for review, never replaced blindly
ORDINARY_WORDS = frozenset(
    [
        "hope",
        "will",
        "grace",
        "faith",
        "joy",
        "may",
        "june",
        "april",
        "august",
        "mark",
        "rose",
        "bill",
        "pat",
        "sue",
        "rob",
        "art",
        "dawn",
        "summer",
        "sky",
        "charity",
        "patience",
        "frank",
        "earnest",
        "jack",
        "ray",
        "bob",
        "penny",
        "ruby",
        "amber",
        "holly",
        "ivy",
        "lily",
        "daisy",
        "heather",
        "iris",
        "jasmine",
        "violet",
        "olive",
        "pearl",
        "crystal",
        "sunny",
        "rich",
        "hunter",
        "miles",
        "chase",
        "grant",
        "dean",
        "drew",
        "gene",
        "guy",
        "jean",
        "kay",
        "lee",
        "max",
        "nick",
        "norm",
        "sandy",
        "stone",
        "woody",
        "wade",
        "victor",
        "destiny",
        "harmony",
        "honor",
        "honour",
        "hunter",
        "justice",
        "melody",
        "liberty",
        "river",
        "rain",
        "storm",
        "autumn",
        "winter",
        "star",
        "angel",
        "sterling",
        "bishop",
        "page",
        "carol",
        "carter",
        "cliff",
        "glen",
        "heath",
        "hazel",
        "fern",
        "brook",
        "lane",
        "price",
        "young",
        "king",
        "mason",
        "baker",
        "gray",
        "grey",
        "green",
        "brown",
        "white",
        "black",
        "rock",
        "cash",
        "sonny",
        "son",
        "bud",
        "buck",
        "sage",
        "reed",
    ]
)
ROLE_WORDS = frozenset(
    [
        "t",
        "th",
        "p",
        "pt",
        "c",
        "therapist",
        "counsellor",
        "counselor",
        "client",
        "patient",
        "interviewer",
        "participant",
        "speaker",
        "unknown",
    ]
)

_NAME = r"[A-Z][a-z'’\-]+(?:\s+[A-Z][a-z'’\-]+)?"
_RELATIONS = (
    "husband|wife|partner|son|daughter|mother|mum|mom|father|dad|brother|sister|boyfriend|"
    "girlfriend|friend|boss|colleague|neighbour|neighbor|aunt|uncle|cousin|grandmother|"
    "grandfather|gran|nan|grandma|grandpa|granddaughter|grandson|fiancé|fiancée|fiance|fiancee|"
    "ex|stepson|stepdaughter|stepfather|stepmother|niece|nephew|therapist|doctor|GP|nurse|"
    "carer|caseworker|social worker|teacher|manager|flatmate|roommate|kid|child|baby"
)
_CUES = [
    re.compile(
        rf"\b(?:[Mm]y|[Oo]ur|[Hh]is|[Hh]er|[Tt]heir)\s+(?:{_RELATIONS})\s*,?\s+(?P<n>{_NAME})"
    ),
    re.compile(
        rf"\b(?:Dr|Doctor|Mr|Mrs|Ms|Miss|Mx|Prof|Professor|Nurse|Sister|Father|Rev)\.?\s+(?P<n>{_NAME})"
    ),
    re.compile(
        rf"\b(?:called|named|name is|name's|names are|call me|known as|calls? (?:him|her|me))\s+(?P<n>{_NAME})"
    ),
]
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_RECORD = re.compile(
    r"\b(?:MRN|NHS(?:\s+(?:number|no\.?))?|hospital\s+(?:number|no\.?)|record\s+(?:number|no\.?)|"
    r"case\s+(?:number|no\.?)|patient\s+(?:number|id|no\.?)|file\s+(?:number|no\.?)|"
    r"medical\s+record)\s*(?:is|was)?\s*[:#]?\s*(?P<n>[A-Z0-9](?:[A-Z0-9\-/ ]{2,}[A-Z0-9]))",
    re.IGNORECASE,
)
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,5}\)[\s.-]?)?\d[\d\s.-]{5,}\d(?![\w])"
)
_STREET_TYPES = (
    "Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Close|Way|Court|Ct|Place|Crescent|Terrace|"
    "Gardens|Grove|Boulevard|Blvd|Square|Sq|Row|Walk|Hill|Park|Mews|View"
)
_ADDRESS = [
    re.compile(rf"\b\d{{1,5}}[A-Za-z]?,?\s+(?:[A-Z][a-z'’]+\s+){{1,3}}(?:{_STREET_TYPES})\b\.?"),
    re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b"),  # UK postcode
    re.compile(r"\b(?:[A-Z]{2})\s+\d{5}(?:-\d{4})?\b"),  # US state and ZIP
]
_AGE = re.compile(
    r"\b(?:(?P<a>\d{2,3})(?:\s*|-)(?:years?|yrs?)(?:\s*|-)old|(?P<b>\d{2,3})-year-old|"
    r"aged?\s+(?P<c>\d{2,3})|(?:I'?m|I am|he'?s|she'?s|he is|she is|turned|turning|"
    r"turn|reached)\s+(?P<d>\d{2,3})\b)",
    re.IGNORECASE,
)
_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for m in names
}  # fmt: skip
_MONTH_RE = "|".join(sorted((m.capitalize() for m in _MONTHS), key=len, reverse=True))
_ORD = r"(?:st|nd|rd|th)?"
_DATES = [
    ("dmy", re.compile(rf"\b(?P<d>\d{{1,2}}){_ORD}(?:\s+of)?\s+(?P<m>{_MONTH_RE})\.?,?\s+(?P<y>\d{{4}})\b")),
    ("mdy", re.compile(rf"\b(?P<m>{_MONTH_RE})\.?\s+(?P<d>\d{{1,2}}){_ORD},?\s+(?P<y>\d{{4}})\b")),
    ("iso", re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b")),
    ("num", re.compile(r"\b(?P<a>\d{1,2})[/.](?P<b>\d{1,2})[/.](?P<y>\d{4}|\d{2})\b")),
    ("dm", re.compile(rf"\b(?P<d>\d{{1,2}}){_ORD}(?:\s+of)?\s+(?P<m>{_MONTH_RE})\b")),
    ("md", re.compile(rf"\b(?P<m>{_MONTH_RE})\.?\s+(?P<d>\d{{1,2}}){_ORD}\b")),
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Span:
    """A candidate: ``text[start:end]`` is an identifier of ``kind``, found by ``rule``;
    ``review``: only the lead can decide (a name that is also an ordinary word)."""

    start: int
    end: int
    text: str
    kind: str
    rule: str
    review: bool = False


@dataclass(frozen=True)
class NameLists:
    """Names to look for: ``persons`` (speaker names, participant and therapist ids, the
    lead's list, names found by cues), ``places``, ``orgs``."""

    persons: frozenset[str] = frozenset()
    places: frozenset[str] = frozenset()
    orgs: frozenset[str] = frozenset()
    _patterns: dict[str, re.Pattern[str] | None] = field(default_factory=dict, compare=False)

    def pattern(self, kind: str) -> re.Pattern[str] | None:
        if kind not in self._patterns:
            names = {"PERSON": self.persons, "PLACE": self.places, "ORG": self.orgs}[kind]
            words = sorted((n for n in names if n.strip()), key=len, reverse=True)
            self._patterns[kind] = (
                re.compile(r"(?<![\w])(?:" + "|".join(re.escape(w) for w in words) + r")(?![\w])")
                if words
                else None
            )
        return self._patterns[kind]


def is_ordinary_word(name: str) -> bool:
    return name.strip().casefold() in ORDINARY_WORDS


def names_from_cues(text: str) -> set[str]:
    """Capitalised names that follow a name cue in ``text``."""
    found: set[str] = set()
    for cue in _CUES:
        for m in cue.finditer(text):
            found.add(_trim_name(m.group("n")))
    return {n for n in found if n.casefold() not in ROLE_WORDS}


def _trim_name(name: str) -> str:
    name = re.sub(r"['’]s$", "", name.strip())
    # "Dr Jones Said" is rare; a second capitalised word that is an ordinary word is dropped
    parts = name.split()
    if len(parts) == 2 and parts[1].casefold() in _COMMON_SECOND:
        return parts[0]
    return name


_COMMON_SECOND = frozenset(
    ["and", "but", "said", "says", "told", "asked", "is", "was", "will", "would", "i", "the"]
)


def find_spans(text: str, names: NameLists) -> list[Span]:
    """Every candidate in ``text``, without overlaps (the more specific rule wins)."""
    found = list(_all_spans(text, names))
    found.sort(key=lambda s: (s.start, -(s.end - s.start), _PRIORITY[s.kind]))
    chosen: list[Span] = []
    for span in found:
        if chosen and span.start < chosen[-1].end:
            previous = chosen[-1]
            if _PRIORITY[span.kind] < _PRIORITY[previous.kind] and span.end >= previous.end:
                chosen[-1] = span
            continue
        chosen.append(span)
    return chosen


def _all_spans(text: str, names: NameLists) -> Iterator[Span]:
    for m in _EMAIL.finditer(text):
        yield Span(m.start(), m.end(), m.group(), "EMAIL", "e-mail")
    for m in _RECORD.finditer(text):
        yield Span(m.start("n"), m.end("n"), m.group("n"), "RECORD", "record number")
    for pattern in _ADDRESS:
        for m in pattern.finditer(text):
            yield Span(m.start(), m.end(), m.group(), "ADDRESS", "address")
    for m in _PHONE.finditer(text):
        digits = sum(c.isdigit() for c in m.group())
        if 7 <= digits <= 15 and not _DATES[3][1].fullmatch(m.group()):
            yield Span(m.start(), m.end(), m.group(), "PHONE", "phone")
    for form, pattern in _DATES:
        for m in pattern.finditer(text):
            if parse_date(m.group(), form) is not None or form in ("dm", "md"):
                yield Span(m.start(), m.end(), m.group(), "DATE", f"date:{form}")
    for m in _AGE.finditer(text):
        group = next(g for g in "abcd" if m.group(g))
        if int(m.group(group)) > 89:
            yield Span(m.start(group), m.end(group), m.group(group), "AGE", "age over 89")
    for kind in ("PERSON", "PLACE", "ORG"):
        listed = names.pattern(kind)
        if listed is None:
            continue
        for m in listed.finditer(text):
            word = m.group()
            yield Span(m.start(), m.end(), word, kind, "list", review=is_ordinary_word(word))
    for cue in _CUES:
        for m in cue.finditer(text):
            name = _trim_name(m.group("n"))
            if name.casefold() in ROLE_WORDS:
                continue
            start = m.start("n")
            yield Span(
                start, start + len(name), name, "PERSON", "cue", review=is_ordinary_word(name)
            )


# --- dates -------------------------------------------------------------------------------------


def parse_date(text: str, form: str, *, month_first: bool = False) -> date | None:
    """The date a DATE candidate of ``form`` means (None for a day-month without a year, or a
    number that is no date)."""
    for name, pattern in _DATES:
        if name != form:
            continue
        m = pattern.fullmatch(text)
        if m is None:
            return None
        try:
            if form in ("dmy", "mdy"):
                return date(int(m["y"]), _MONTHS[m["m"].lower().rstrip(".")], int(m["d"]))
            if form == "iso":
                return date(int(m["y"]), int(m["m"]), int(m["d"]))
            if form == "num":
                year = int(m["y"]) + (2000 if len(m["y"]) == 2 else 0)
                day, month = (
                    (int(m["b"]), int(m["a"])) if month_first else (int(m["a"]), int(m["b"]))
                )
                return date(year, month, day)
        except ValueError:
            return None
    return None


def shift_date_text(text: str, form: str, days: int, *, month_first: bool = False) -> str:
    """``text`` (a DATE candidate) moved by ``days``, written in the same form."""
    if form in ("dm", "md"):
        m = next(p for n, p in _DATES if n == form).fullmatch(text)
        assert m is not None
        try:
            moved = date(2001, _MONTHS[m["m"].lower().rstrip(".")], int(m["d"])) + timedelta(days)
        except ValueError:
            return "[DATE]"
        month = moved.strftime("%B")
        return f"{moved.day} {month}" if form == "dm" else f"{month} {moved.day}"
    when = parse_date(text, form, month_first=month_first)
    if when is None:
        return "[DATE]"
    moved = when + timedelta(days)
    if form == "dmy":
        return f"{moved.day} {moved.strftime('%B')} {moved.year}"
    if form == "mdy":
        return f"{moved.strftime('%B')} {moved.day}, {moved.year}"
    if form == "iso":
        return moved.isoformat()
    m = _DATES[3][1].fullmatch(text)
    assert m is not None
    sep = "/" if "/" in text else "."
    first, second = (moved.month, moved.day) if month_first else (moved.day, moved.month)
    year = f"{moved.year % 100:02d}" if len(m["y"]) == 2 else str(moved.year)
    return f"{first:02d}{sep}{second:02d}{sep}{year}"


def identity(kind: str, text: str) -> tuple[str, str]:
    """Who or what a candidate names: the same identity gets the same pseudonym everywhere."""
    key = re.sub(r"\s+", " ", re.sub(r"['’]s$", "", text.strip())).casefold()
    if kind == "PHONE":
        key = re.sub(r"\D", "", key)
    return kind, key


def read_name_list(lines: Iterable[str]) -> dict[str, set[str]]:
    """``KIND: text`` per line (``PERSON``, ``PLACE``, ``ORG``; a line without a kind is a
    person); ``#`` starts a comment."""
    out: dict[str, set[str]] = {"PERSON": set(), "PLACE": set(), "ORG": set()}
    for raw in lines:
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        kind, sep, rest = line.partition(":")
        if sep and kind.strip().upper() in out:
            out[kind.strip().upper()].add(rest.strip())
        else:
            out["PERSON"].add(line)
    return out
