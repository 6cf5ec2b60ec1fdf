"""The one rule for coder and transcript names, and how typed selections are split."""

from __future__ import annotations

import pytest

from socialcoder.domain.names import (
    BadName,
    NameRef,
    check_coder_name,
    check_transcript_name,
    clash,
    selection,
    split_names,
    usable_name,
)
from socialcoder.errors import UserError


@pytest.mark.parametrize("name", ["ana", "Dr. Smith", "P1", "Thérapeute", "coder-2", "a" * 100])
def test_usable_coder_names(name: str):
    assert check_coder_name(f" {name} ") == name


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("all", "reserved"),
        ("ALL", "reserved"),
        ("Consensus", "reserved"),
        ("mean", "reserved"),
        ("final", "reserved"),
        ("a,b", "separate names"),
        ("a;b", "separate names"),
        ("a=b", "separate names"),
        ("a\nb", "line breaks"),
        ("a\tb", "line breaks"),
        ("a" * 101, "at most 100"),
    ],
)
def test_unusable_coder_names(name: str, why: str):
    with pytest.raises(BadName, match=why) as caught:
        check_coder_name(name)
    assert isinstance(caught.value, UserError)  # one line, exit 2 on the command line


def test_transcript_names_refuse_reserved_words_and_commas_but_allow_semicolons():
    assert check_transcript_name("P01; session 2") == "P01; session 2"
    assert check_transcript_name("a" * 200) == "a" * 200
    for bad in ("all", "Mean", "P01,s2", "x\ny", "a" * 201):
        with pytest.raises(BadName):
            check_transcript_name(bad)


def test_clash_ignores_case():
    assert clash("ANA", ["ben", "ana"]) == "ana"
    assert clash(" Ana ", ["ana"]) == "ana"
    assert clash("anna", ["ana"]) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a,b", [NameRef("a"), NameRef("b")]),
        (" a , b ,", [NameRef("a"), NameRef("b")]),
        ('"all"', [NameRef("all", quoted=True)]),
        ('"a,b",c', [NameRef("a,b", quoted=True), NameRef("c")]),
        ('c, "a,b"', [NameRef("c"), NameRef("a,b", quoted=True)]),
        ('"say ""hi"""', [NameRef('say "hi"', quoted=True)]),
        ("", []),
        ('ana,"",ben', [NameRef("ana"), NameRef("ben")]),
    ],
)
def test_split_names(text: str, expected: list[NameRef]):
    assert split_names(text) == expected


def test_quoted_words_are_names_not_keywords():
    assert split_names("all")[0].is_keyword("all")
    assert split_names("ALL")[0].is_keyword("all")
    assert not split_names('"all"')[0].is_keyword("all")


@pytest.mark.parametrize("text", ['"a,b', '"a"b,c'])
def test_bad_quoting_is_one_clear_error(text: str):
    with pytest.raises(BadName, match="double quote"):
        split_names(text)


def test_selection_returns_names_or_none():
    assert selection(None) is None
    assert selection(" , ") is None
    assert selection('"a,b",c') == ("a,b", "c")


@pytest.mark.parametrize(
    ("raw", "kind", "expected"),
    [
        ("Ana, MSc", "coder", "Ana_ MSc"),
        ("a;b=c", "coder", "a_b_c"),
        ("All", "coder", "All_"),
        ("consensus", "coder", "consensus_"),
        ("line\nbreak", "transcript", "line_break"),
        ("mean", "transcript", "mean_"),
        ("  ", "coder", ""),
    ],
)
def test_usable_name_from_another_tool(raw: str, kind: str, expected: str):
    assert usable_name(raw, kind) == expected
    if expected:
        check = check_coder_name if kind == "coder" else check_transcript_name
        assert check(expected) == expected


def test_usable_name_can_keep_a_word():
    assert usable_name("consensus", "coder", keep=frozenset({"consensus"})) == "consensus"


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("Ana (retest)", "Ana (retest)_"),
        ("machine talk v2", "machine talk v2_"),
        ("Machine Gun Kelly", "Machine Gun Kelly"),
        ("retest", "retest"),
    ],
)
def test_a_refi_user_named_like_a_retest_pass_or_a_machine_stays_a_person(raw: str, name: str):
    """Another tool's user called like a retest pass or a machine coder (names only those
    kinds take) gets a '_', as a reserved word does: the import neither fails nor passes a
    person off as a second pass or a model."""
    from socialcoder.domain import coder_kinds
    from socialcoder.services.refi_plan import coder_name

    assert coder_name(raw, "0123456789") == name
    assert coder_kinds.kind_by_form(name) is None
