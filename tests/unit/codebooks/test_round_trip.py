"""codebook_to_dict / codebook_to_yaml give back an equal codebook."""

from __future__ import annotations

import json
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialcoder.codebooks import (
    codebook_from_dict,
    codebook_to_dict,
    codebook_to_yaml,
    load_default_codebook,
    parse_codebook,
)
from socialcoder.codebooks.build import BINARY_VALUES
from socialcoder.domain.codebook import (
    Codebook,
    CodeValue,
    Dimension,
    Role,
    Scale,
    Unit,
    value_text,
)


def test_default_codebook_round_trips_through_yaml() -> None:
    cb = load_default_codebook()
    text = codebook_to_yaml(cb)
    assert parse_codebook(text, source="again.yaml") == cb


def test_default_codebook_round_trips_through_json() -> None:
    cb = load_default_codebook()
    data = json.loads(json.dumps(codebook_to_dict(cb)))
    assert codebook_from_dict(data, source="json") == cb


def test_dict_uses_the_yaml_field_names() -> None:
    data = codebook_to_dict(load_default_codebook())
    assert list(data) == ["name", "version", "description", "references", "dimensions"]
    concordance, _, resistance, goals = data["dimensions"]
    assert "values" not in concordance  # binary values are implied
    assert concordance["applies_to"] == ["patient"]
    assert concordance["shortcut"] == "c"
    assert resistance["values"][1] == {"value": "mild", "label": "mild", "shortcut": "m"}
    assert goals["values"][0] == {"value": 1, "label": "no agreement"}
    assert goals["unit"] == "session"
    assert goals["applies_to"] == ["therapist", "patient"]


# -- property: any valid codebook round-trips ---------------------------------------------------

TEXT = (
    st.text(alphabet=st.characters(categories=("L", "N", "P", "S", "Zs")), max_size=25)
    .map(str.strip)
    .filter(bool)
)
# Text that looks like YAML numbers, booleans and nulls, which must come back as text.
TRICKY = st.sampled_from(
    ["1", "1.0", "1e5", "yes", "no", "null", "~", "true", "-", "#x", "a: b", "- a", "0x1F", "@x"]
)
ANY_TEXT = st.one_of(TEXT, TRICKY)
MULTILINE = st.lists(ANY_TEXT, min_size=1, max_size=3).map("\n".join)
KEYS = st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True)
COLORS = st.from_regex(r"#[0-9a-f]{6}", fullmatch=True)
SHORTCUT_CHARS = string.ascii_letters + string.digits
# the coding window keeps j, k, n, m; a value's digit shortcut must be its own position
DIMENSION_SHORTCUTS = "".join(c for c in SHORTCUT_CHARS if c.lower() not in "jknm")
VALUE_SHORTCUTS = string.ascii_letters + "0"


def _shortcuts(draw: st.DrawFn, n: int, chars: str = DIMENSION_SHORTCUTS) -> list[str | None]:
    chosen: list[str | None] = []
    used: set[str] = set()
    for _ in range(n):
        ch = draw(st.none() | st.sampled_from(chars))
        if ch is not None and ch.lower() in used:
            ch = None
        if ch is not None:
            used.add(ch.lower())
        chosen.append(ch)
    return chosen


@st.composite
def values_for(draw: st.DrawFn, scale: Scale) -> tuple[CodeValue, ...]:
    if scale is Scale.BINARY:
        return BINARY_VALUES
    if scale.is_numeric:
        low = 0 if scale is Scale.RATIO else -1000
        number = st.one_of(
            st.integers(low, 10**12),
            st.floats(low, 1e9, allow_nan=False, allow_infinity=False),
        )
        texts = draw(
            st.lists(number.map(value_text), min_size=2, max_size=6, unique=True)
            if draw(st.booleans())
            else st.just([])
        )
    else:
        texts = draw(st.lists(ANY_TEXT, min_size=2, max_size=6, unique=True))
    shortcuts = _shortcuts(draw, len(texts), VALUE_SHORTCUTS)
    labels = [draw(st.none() | ANY_TEXT) or text for text in texts]
    return tuple(CodeValue(t, lab, s) for t, lab, s in zip(texts, labels, shortcuts, strict=True))


@st.composite
def dimensions(draw: st.DrawFn, key: str, shortcut: str | None) -> Dimension:
    scale = draw(st.sampled_from(Scale))
    return Dimension(
        key=key,
        label=draw(ANY_TEXT),
        scale=scale,
        values=draw(values_for(scale)),
        unit=draw(st.sampled_from(Unit)),
        applies_to=frozenset(draw(st.sets(st.sampled_from(Role), min_size=1))),
        shortcut=shortcut,
        color=draw(COLORS),
        definition=draw(st.just("") | ANY_TEXT | MULTILINE),
        include=tuple(draw(st.lists(ANY_TEXT, max_size=3))),
        exclude=tuple(draw(st.lists(MULTILINE, max_size=2))),
        examples=tuple(draw(st.lists(ANY_TEXT, max_size=2))),
    )


@st.composite
def codebooks(draw: st.DrawFn) -> Codebook:
    keys = draw(st.lists(KEYS, min_size=1, max_size=5, unique=True))
    shortcuts = _shortcuts(draw, len(keys))
    return Codebook(
        name=draw(ANY_TEXT),
        version=draw(ANY_TEXT),
        dimensions=tuple(draw(dimensions(k, s)) for k, s in zip(keys, shortcuts, strict=True)),
        description=draw(st.just("") | MULTILINE),
        references=tuple(draw(st.lists(ANY_TEXT, max_size=3))),
    )


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(codebooks())
def test_any_valid_codebook_round_trips_through_yaml(cb: Codebook) -> None:
    text = codebook_to_yaml(cb)
    assert parse_codebook(text, source="generated.yaml") == cb


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(codebooks())
def test_any_valid_codebook_round_trips_through_json(cb: Codebook) -> None:
    data = json.loads(json.dumps(codebook_to_dict(cb)))
    assert codebook_from_dict(data, source="generated") == cb
