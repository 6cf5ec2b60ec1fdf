"""Turn texts into sparse TF-IDF rows: the analysers, term counting and the vocabulary.

* Text is lower-cased and curly quotes become straight ones (transcribers mix them).
* **word** terms: tokens are runs of letters/digits with inner apostrophes kept together
  (``don't``, ``I'm``) and every punctuation mark as a token of its own (``?`` says a lot about
  a therapist's turn); then word n-grams of the configured lengths, joined by a space.
* **char** terms: character n-grams inside each whitespace-separated word padded with one space
  on either side (as scikit-learn's ``char_wb`` analyser does), found for a whole batch of
  texts at once with numpy.
* A vocabulary keeps the terms found in at least ``min_df`` training turns (at most
  ``max_terms``, the most frequent, ties broken by the term), in order of first appearance
  (so the same data give the same model). ``idf = ln((1 + n) / (1 + df)) + 1``; a turn's row is
  ``(1 + ln tf) * idf``, scaled to unit length.

Pure Python, numpy and scipy: the same code counts terms when a model is trained and when it
codes, so a stored model needs nothing but its terms and weights.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

_WORD = re.compile(r"\w+(?:'\w+)*|[^\w\s]")
_STRAIGHT = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
WORD = "word"
CHAR = "char"


def normalise(text: str) -> str:
    return text.translate(_STRAIGHT).lower()


@dataclass(frozen=True, slots=True)
class Analyzer:
    """Which terms a text gives: ``kind`` is ``word`` or ``char``; n-grams ``low..high``."""

    kind: str
    low: int
    high: int

    def __post_init__(self) -> None:
        if self.kind not in (WORD, CHAR):
            raise ValueError(f"unknown analyser {self.kind!r}")
        least = 1 if self.kind == WORD else 2
        if not least <= self.low <= self.high <= 8:
            raise ValueError(
                f"{self.kind} n-gram lengths {self.low}..{self.high} "
                f"(use {least} <= low <= high <= 8)"
            )

    def terms(self, text: str) -> list[str]:
        text = normalise(text)
        if self.kind == WORD:
            return _word_ngrams(_WORD.findall(text), self.low, self.high)
        return [str(t) for _, terms in _char_windows([text], self.low, self.high) for t in terms]


def _word_ngrams(tokens: list[str], low: int, high: int) -> list[str]:
    if low == 1 and high == 1:
        return tokens
    out = tokens[:] if low == 1 else []
    for n in range(max(low, 2), high + 1):
        out.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return out


def _char_windows(
    texts: Sequence[str], low: int, high: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Character n-grams of ``texts`` (already normalised or not), per length ``n``: the text
    each comes from and the n-grams (a numpy string array). Computed on all texts at once: the
    texts, their words joined by single spaces and padded with one, are laid end to end with a
    NUL between them; an n-gram is a window that holds no NUL and no space except at its ends,
    which is exactly an n-gram of one padded word. A padded word shorter than ``low`` counts
    once, whole (as in scikit-learn)."""
    from numpy.lib.stride_tricks import sliding_window_view

    parts = []
    for text in texts:
        words = normalise(text).replace("\x00", " ").split()
        parts.append(f" {' '.join(words)} " if words else "")
    joined = "\x00".join(parts) + "\x00"
    points = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    lengths = np.fromiter((len(p) + 1 for p in parts), dtype=np.int64, count=len(parts))
    text_of = np.repeat(np.arange(len(parts)), lengths)
    spaces = np.concatenate(([0], np.cumsum(points == 32)))
    breaks = np.concatenate(([0], np.cumsum(points == 0)))
    for n in range(low, high + 1):
        if points.size < n:
            yield np.zeros(0, dtype=np.int64), np.zeros(0, dtype=f"<U{n}")
            continue
        starts = np.arange(points.size - n + 1)
        ok = breaks[starts + n] == breaks[starts]
        if n > 2:
            ok &= spaces[starts + n - 1] == spaces[starts + 1]
        windows = np.ascontiguousarray(sliding_window_view(points, n)[starts[ok]])
        yield text_of[starts[ok]], windows.view(f"<U{n}").reshape(-1)
    if low > 3:
        short = [
            (i, f" {w} ") for i, part in enumerate(parts) for w in part.split() if len(w) + 2 < low
        ]
        if short:
            rows, grams = zip(*short, strict=True)
            yield np.asarray(rows, dtype=np.int64), np.asarray(grams)


#: Texts analysed per batch: term ids are found for a batch's distinct terms at once.
BATCH = 2048


def _ids(terms: np.ndarray, index: dict[str, int], grow: bool) -> np.ndarray:
    """Column of each term (-1 for an unknown term when not growing); the dictionary is
    consulted once per distinct term."""
    import pandas as pd

    if terms.size == 0:
        return np.zeros(0, dtype=np.int64)
    codes, uniques = pd.factorize(terms)
    if grow:
        ids = np.fromiter((index.setdefault(str(u), len(index)) for u in uniques), np.int64)
    else:
        ids = np.fromiter((index.get(str(u), -1) for u in uniques), np.int64)
    return ids[codes]


def count_terms(
    texts: Sequence[str], analyzer: Analyzer, index: dict[str, int], *, grow: bool
) -> csr_matrix:
    """Term counts (texts x terms). With ``grow``, unseen terms are added to ``index`` (in
    order of first appearance); without, they are ignored."""
    from scipy.sparse import csr_matrix

    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    for start in range(0, len(texts), BATCH):
        batch = texts[start : start + BATCH]
        if analyzer.kind == CHAR:
            pieces = list(_char_windows(batch, analyzer.low, analyzer.high))
        else:
            lists = [analyzer.terms(t) for t in batch]
            lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
            flat = np.fromiter(chain.from_iterable(lists), dtype=object, count=int(lengths.sum()))
            pieces = [(np.repeat(np.arange(len(batch)), lengths), flat)]
        for row_ids, terms in pieces:
            term_ids = _ids(terms, index, grow)
            known = term_ids >= 0
            rows.append(row_ids[known] + start)
            cols.append(term_ids[known])
    row = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    col = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    matrix = csr_matrix(
        (np.ones(row.size, dtype=np.float64), (row, col)), shape=(len(texts), len(index))
    )
    matrix.sum_duplicates()
    return matrix


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Terms (sorted) and their idf weights, for one analyser."""

    analyzer: Analyzer
    terms: tuple[str, ...]
    idf: np.ndarray
    _index: dict[str, int] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {t: i for i, t in enumerate(self.terms)})
        if self.idf.shape != (len(self.terms),):
            raise ValueError("one idf weight per term is needed")

    def __len__(self) -> int:
        return len(self.terms)

    def tfidf(self, texts: Sequence[str]) -> csr_matrix:
        """Unit-length TF-IDF rows of ``texts`` over this vocabulary."""
        return weigh(count_terms(texts, self.analyzer, self._index, grow=False), self.idf)


def weigh(counts: csr_matrix, idf: np.ndarray) -> csr_matrix:
    """``(1 + ln tf) * idf``, rows scaled to unit length (empty rows stay empty)."""
    from scipy.sparse import csr_matrix, diags

    out = csr_matrix(counts, dtype=np.float64, copy=True)
    out.data = (1.0 + np.log(out.data)) * idf[out.indices]
    norms = np.sqrt(np.asarray(out.multiply(out).sum(axis=1)).ravel())
    inverse = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    return csr_matrix(diags(inverse) @ out)


def select_vocabulary(
    analyzer: Analyzer,
    counts: csr_matrix,
    terms: Sequence[str],
    docs: np.ndarray,
    *,
    min_df: int,
    max_terms: int,
) -> tuple[Vocabulary, np.ndarray]:
    """The vocabulary of the turns ``docs`` (rows of ``counts``, whose columns are ``terms``)
    and, for each of its terms, the column of ``counts`` it comes from."""
    sub = counts[docs]
    df = np.bincount(sub.indices, minlength=counts.shape[1])
    keep = np.flatnonzero(df >= min_df)
    if keep.size > max_terms:
        names = np.asarray([terms[int(i)] for i in keep], dtype=np.object_)
        order = np.lexsort((names, -df[keep]))
        keep = keep[order[:max_terms]]
    keep = np.sort(keep)
    n_docs = len(docs)
    idf = np.log((1.0 + n_docs) / (1.0 + df[keep].astype(np.float64))) + 1.0
    return Vocabulary(analyzer, tuple(terms[int(i)] for i in keep), idf), keep
