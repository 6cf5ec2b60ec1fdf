"""What a codebook file may say, and how it is read."""

from __future__ import annotations

from pathlib import Path

from socialcoder.codebooks import DEFAULT_PALETTE, load_codebook, parse_codebook
from socialcoder.domain.codebook import CodeValue, Role, Scale, Unit


def parse(text: str):
    return parse_codebook(text, source="test.yaml")


def test_a_full_dimension_is_read_field_by_field(tmp_path: Path) -> None:
    path = tmp_path / "full.yaml"
    path.write_text(
        """\
name: Example
version: 2.10
description: |
  A short example.
references:
  - Someone (2020). A paper.
dimensions:
  - key: topic
    label: Topic of the turn
    scale: Nominal
    values:
      - symptoms
      - {value: activity, label: Activity and rest, shortcut: a}
      - value: sleep
        shortcut: S
    unit: segment
    applies_to: [therapist, client]
    shortcut: T
    color: "#ABC"
    definition: >
      What the turn is mostly about.
    include: Any turn with content.
    exclude:
      - Greetings.
    examples: []
""",
        encoding="utf-8",
    )
    cb = load_codebook(path)
    assert (cb.name, cb.version, cb.description) == ("Example", "2.10", "A short example.")
    assert cb.references == ("Someone (2020). A paper.",)
    dim = cb.dimension("topic")
    assert dim.scale is Scale.NOMINAL
    assert dim.values == (
        CodeValue("symptoms", "symptoms"),
        CodeValue("activity", "Activity and rest", "a"),
        CodeValue("sleep", "sleep", "S"),
    )
    assert dim.unit is Unit.SEGMENT
    assert dim.applies_to == frozenset(Role)
    assert dim.shortcut == "T"
    assert dim.color == "#aabbcc"
    assert dim.definition == "What the turn is mostly about."
    assert dim.include == ("Any turn with content.",)
    assert dim.exclude == ("Greetings.",)
    assert dim.examples == ()


def test_defaults_binary_values_and_palette() -> None:
    cb = parse(
        """\
name: Defaults
version: 1
dimensions:
  - {key: a, label: A, scale: binary}
  - {key: b, label: B, scale: binary, color: "#0072B2"}
  - {key: c, label: C, scale: interval}
"""
    )
    a, b, c = cb.dimensions
    assert cb.version == "1"
    assert a.values == (CodeValue("1", "present"), CodeValue("0", "absent"))
    assert a.unit is Unit.SEGMENT
    assert a.applies_to == frozenset(Role)
    assert a.shortcut is None
    assert b.color == "#0072b2"
    # Dimensions without a colour get palette colours not taken by another dimension.
    assert a.color in DEFAULT_PALETTE
    assert c.color in DEFAULT_PALETTE
    assert len({a.color, b.color, c.color}) == 3
    assert c.values == ()
    assert c.parse_value("3.5") == "3.5"


def test_yaml_1_1_surprises_stay_text() -> None:
    cb = parse(
        """\
name: Surprises
version: 2024-01-31
dimensions:
  - key: answer
    label: 1:20
    scale: nominal
    values: [yes, no, on, off, n]
    applies_to: patient
"""
    )
    assert cb.version == "2024-01-31"
    dim = cb.dimension("answer")
    assert dim.label == "1:20"
    assert dim.value_texts == ("yes", "no", "on", "off", "n")
    assert dim.applies_to == frozenset({Role.PATIENT})


def test_numeric_values_take_their_canonical_text_form() -> None:
    cb = parse(
        """\
name: Numbers
version: "1.0"
dimensions:
  - key: rating
    label: Rating
    scale: ratio
    values: [0, 0.5, 1.0, 2e1]
  - key: level
    label: Level
    scale: ordinal
    values: [1, 2.0, "2.5"]
"""
    )
    assert cb.version == "1.0"
    assert cb.dimension("rating").value_texts == ("0", "0.5", "1", "20")
    assert cb.dimension("level").value_texts == ("1", "2", "2.5")
    assert cb.dimension("rating").parse_value("1.0") == "1"


def test_session_dimension_and_numeric_shortcut() -> None:
    cb = parse(
        """\
name: Session
version: 1
dimensions:
  - key: bond
    label: Bond
    scale: interval
    unit: session
    shortcut: 5
    values:
      - {value: 1, label: weak, shortcut: 1}
      - {value: 2, label: strong, shortcut: 2}
"""
    )
    dim = cb.dimension("bond")
    assert dim.unit is Unit.SESSION
    assert dim.shortcut == "5"
    assert [v.shortcut for v in dim.values] == ["1", "2"]
    assert cb.session_dimensions() == (dim,)
