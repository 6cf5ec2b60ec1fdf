"""Term counting and TF-IDF match scikit-learn's vectorizers (the independent reference)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from socialcoder.machine.text import (
    CHAR,
    WORD,
    Analyzer,
    count_terms,
    normalise,
    select_vocabulary,
)

TEXTS = [
    "I don’t know... maybe I’ll try to cut down?",
    "So you’re thinking about [chuckles] cutting down.",
    "",
    "a",
    "Yeah yeah. YEAH!",
    "It's   hard   to    say - really hard to say",
    "Ünïcödé words, ça va? 42 times",
    "cut down cut down cut down",
]
NEW = ["you want to cut down", "hard to say, yeah?", "nothing known here zzz", ""]


def _sklearn(kind: str, low: int, high: int, **extra) -> TfidfVectorizer:
    common = {"preprocessor": normalise, "ngram_range": (low, high), "sublinear_tf": True}
    if kind == WORD:
        return TfidfVectorizer(
            analyzer="word",
            token_pattern=r"\w+(?:'\w+)*|[^\w\s]",
            lowercase=False,
            **common,
            **extra,
        )
    return TfidfVectorizer(analyzer="char_wb", lowercase=False, **common, **extra)


@pytest.mark.parametrize(
    ("kind", "low", "high"),
    [(WORD, 1, 1), (WORD, 1, 3), (CHAR, 2, 5), (CHAR, 2, 3), (CHAR, 3, 6), (CHAR, 5, 7)],
)
def test_terms_are_scikit_learns_terms(kind: str, low: int, high: int) -> None:
    reference = _sklearn(kind, low, high).build_analyzer()
    mine = Analyzer(kind, low, high)
    for text in TEXTS:
        assert Counter(mine.terms(text)) == Counter(reference(text)), text


@pytest.mark.parametrize(("kind", "low", "high"), [(WORD, 1, 2), (CHAR, 2, 5)])
def test_tfidf_rows_are_scikit_learns(kind: str, low: int, high: int) -> None:
    analyzer = Analyzer(kind, low, high)
    index: dict[str, int] = {}
    counts = count_terms(TEXTS, analyzer, index, grow=True)
    vocab, _ = select_vocabulary(
        analyzer, counts, list(index), np.arange(len(TEXTS)), min_df=2, max_terms=10**6
    )
    reference = _sklearn(kind, low, high, min_df=2).fit(TEXTS)
    assert set(vocab.terms) == set(reference.vocabulary_)
    order = [reference.vocabulary_[t] for t in vocab.terms]
    assert np.allclose(vocab.idf, reference.idf_[order])
    for texts in (TEXTS, NEW):
        mine = vocab.tfidf(texts).toarray()
        theirs = reference.transform(texts).toarray()[:, order]
        assert np.allclose(mine, theirs, atol=1e-12)


def test_counting_in_batches_and_growing_the_index() -> None:
    analyzer = Analyzer(CHAR, 2, 4)
    texts = [f"turn {i} says {'ab' * (i % 7)}" for i in range(5000)]
    index: dict[str, int] = {}
    counts = count_terms(texts, analyzer, index, grow=True)
    assert counts.shape == (5000, len(index))
    row = counts[4999].toarray().ravel()
    expected = Counter(analyzer.terms(texts[4999]))
    assert {t: int(row[i]) for t, i in index.items() if row[i]} == dict(expected)
    fixed = count_terms(["turn 1 says zz"], analyzer, index, grow=False)
    assert fixed.sum() == sum(1 for t in analyzer.terms("turn 1 says zz") if t in index)


def test_max_terms_keeps_the_most_frequent() -> None:
    analyzer = Analyzer(WORD, 1, 1)
    texts = ["a b c", "a b", "a", "d d d"]
    index: dict[str, int] = {}
    counts = count_terms(texts, analyzer, index, grow=True)
    vocab, columns = select_vocabulary(
        analyzer, counts, list(index), np.arange(4), min_df=1, max_terms=2
    )
    assert set(vocab.terms) == {"a", "b"}
    assert [list(index)[c] for c in columns] == list(vocab.terms)


def test_one_character_grams_are_refused() -> None:
    with pytest.raises(ValueError, match=r"char n-gram lengths 1\.\.3"):
        Analyzer(CHAR, 1, 3)


def test_odd_characters_do_not_break_counting() -> None:
    analyzer = Analyzer(CHAR, 2, 3)
    texts = ["nul\x00inside", "lone \ud800 surrogate", "tab\tand\nnewline", "emoji 🙂 ok"]
    counts = count_terms(texts, analyzer, {}, grow=True)
    assert counts.shape[0] == 4
    assert all(counts[i].sum() > 0 for i in range(4))
