"""A small fixed lexicon of motivational-interviewing client language (DARN-CAT).

Miller and Rollnick (*Motivational Interviewing*, 3rd ed., 2013) sort a client's talk about
change into preparatory language (**D**esire, **A**bility, **R**easons, **N**eed) and
mobilising language (**C**ommitment, **A**ctivation, **T**aking steps); sustain talk is the same
kinds of language in favour of the status quo, often the same words negated ("I can't", "I
don't want to", "I'm not going to"). The phrases below were written from those published
categories and their textbook examples, not from any study's transcripts, and are fixed: a
model records :data:`LEXICON_VERSION` and a changed lexicon gets a new version.

A turn's row holds, per category, ``ln(1 + n)`` of its phrases found without a negation close
by and of those found with one ("not", "never", "no" or a contracted "n't" among the three
tokens before the phrase, or "not" right after its first word, as in "can not"); and the same
for a few markers of defending the status quo ("I like it", "it's fine", "not a problem"), and
of ambivalence ("but"), and of a counsellor's evocative questions ("why would you want",
"how might you", "how important"), which mostly matter in the turn before a client's. Contractions are spelled out first ("can't" is "can not", "I'll" is
"I will", "gonna" is "going to").

Pure Python and numpy: the same code runs when a model is trained and when it codes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from socialcoder.machine.text import normalise

LEXICON_VERSION = 1

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)*")

#: Category -> phrases (space-separated tokens, after contractions are spelled out).
CATEGORIES: dict[str, tuple[str, ...]] = {
    "desire": (
        "want",
        "wants",
        "wanted",
        "wish",
        "would like",
        "would love",
        "hope",
        "hoping",
        "would rather",
        "prefer",
    ),
    "ability": ("can", "could", "able", "capable", "manage", "possible", "doable", "confident"),
    "reason": (
        "because",
        "so that",
        "would help",
        "would be better",
        "better for",
        "healthier",
        "benefit",
        "worried",
        "afraid",
        "scared",
    ),
    "need": (
        "need",
        "needs",
        "have to",
        "has to",
        "must",
        "got to",
        "should",
        "important",
        "necessary",
    ),
    "commitment": (
        "will",
        "going to",
        "promise",
        "intend",
        "plan",
        "planning",
        "commit",
        "decided",
        "guarantee",
    ),
    "activation": ("ready", "willing", "prepared", "considering", "thinking about", "open to"),
    "taking_steps": (
        "started",
        "tried",
        "trying",
        "have been",
        "stopped",
        "cut down",
        "cut back",
        "quit",
        "gave up",
        "did",
    ),
    "status_quo": (
        "like it",
        "enjoy",
        "it is fine",
        "that is fine",
        "i am fine",
        "no problem",
        "a problem",
        "no big deal",
        "not that bad",
        "everybody",
        "everyone",
        "whatever",
    ),
    "ambivalence": ("but", "though", "however", "i guess", "i do not know", "maybe"),
    # a counsellor's questions that invite change talk (mostly in the turn before a client's)
    "evocative": (
        "why would",
        "why do you want",
        "how might",
        "how would",
        "what would",
        "what makes",
        "how important",
        "how confident",
        "on a scale",
        "what worries",
        "what concerns",
        "what would it take",
    ),
}

_NEGATIONS = frozenset({"not", "never", "no", "nothing", "nobody"})
_SPELLED = {
    "gonna": ("going", "to"),
    "gotta": ("got", "to"),
    "wanna": ("want", "to"),
    "hafta": ("have", "to"),
    "dunno": ("do", "not", "know"),
    "cannot": ("can", "not"),
    "can't": ("can", "not"),
    "won't": ("will", "not"),
    "shan't": ("shall", "not"),
    "ain't": ("am", "not"),
}
_SUFFIXES = {"'ll": "will", "'d": "would", "'m": "am", "'re": "are", "'ve": "have", "'s": "is"}
#: Tokens before a phrase in which a negation counts.
SCOPE = 3


def tokens(text: str) -> list[str]:
    """Lower-case word tokens with contractions spelled out."""
    out: list[str] = []
    for token in _TOKEN.findall(normalise(text)):
        if token in _SPELLED:
            out.extend(_SPELLED[token])
        elif token.endswith("n't"):
            out.extend((token[:-3], "not"))
        elif "'" in token:
            stem, _, tail = token.partition("'")
            out.append(stem)
            suffix = _SUFFIXES.get("'" + tail)
            if suffix:
                out.append(suffix)
        else:
            out.append(token)
    return out


def _patterns() -> dict[str, list[tuple[int, tuple[str, ...]]]]:
    """First token -> (category column, phrase tokens), for matching phrases."""
    table: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
    for column, phrases in enumerate(CATEGORIES.values()):
        for phrase in phrases:
            words = tuple(phrase.split())
            table.setdefault(words[0], []).append((column, words))
    return table


_PATTERNS = _patterns()
NAMES: tuple[str, ...] = tuple(
    f"{category}{suffix}" for suffix in ("", "_negated") for category in CATEGORIES
)


def column_count() -> int:
    """Columns of a lexicon row: each category without and with a negation."""
    return len(NAMES)


def counts(text: str) -> np.ndarray:
    """Phrase counts of ``text`` per column of :data:`NAMES` (not yet log-scaled)."""
    k = len(CATEGORIES)
    row = np.zeros(2 * k)
    words = tokens(text)
    for i, word in enumerate(words):
        for column, phrase in _PATTERNS.get(word, ()):
            if tuple(words[i : i + len(phrase)]) != phrase:
                continue
            before = words[max(0, i - SCOPE) : i]
            after = words[i + 1 : i + 2]
            negated = any(w in _NEGATIONS for w in before) or after == ["not"]
            row[column + k * negated] += 1
    return row


def lexicon_rows(texts: Sequence[str]) -> np.ndarray:
    """``ln(1 + counts)`` of each text (texts x :func:`column_count`)."""
    if not texts:
        return np.zeros((0, column_count()))
    return np.log1p(np.vstack([counts(t) for t in texts]))
