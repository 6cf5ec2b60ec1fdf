"""A stored codebook read back without pydantic (``read_stored_codebook``, for a short command
that opens a study file without SQLAlchemy or pydantic, issue #14) equals what
``parse_codebook(..., window_keys=False)`` makes of it: the same field conversions, defaults,
implied binary values, canonical number texts, ``empty_means`` and palette colours."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from test_round_trip import codebooks

from socialcoder.codebooks import (
    DEFAULT_CODEBOOK_PATH,
    codebook_to_yaml,
    parse_codebook,
    read_stored_codebook,
)
from socialcoder.domain.codebook import Codebook

FORMS = {
    "every field, loose forms": """\
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
    empty_means: Symptoms
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
  - {key: a, label: A, scale: binary, applies_to: patient}
  - {key: b, label: B, scale: binary, color: "#0072B2"}
  - {key: c, label: C, scale: interval}
""",
    "YAML 1.1 surprises": """\
name: Surprises
version: 2024-01-31
dimensions:
  - key: answer
    label: 1:20
    scale: nominal
    values: [yes, no, on, off, n]
    empty_means: no
    applies_to: patient
""",
    "numbers": """\
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
    empty_means: 2
  - key: bond
    label: Bond
    scale: interval
    unit: session
    shortcut: 5
    values:
      - {value: 1, label: weak, shortcut: 1}
      - {value: 2, label: strong, shortcut: 2}
""",
    "the bundled codebook": DEFAULT_CODEBOOK_PATH.read_text(encoding="utf-8"),
}


def _both(text: str) -> tuple[Codebook, Codebook]:
    stored = read_stored_codebook(text, source="stored")
    return stored, parse_codebook(text, source="stored", window_keys=False)


@pytest.mark.parametrize("text", FORMS.values(), ids=FORMS.keys())
def test_a_stored_codebook_reads_back_as_parse_codebook_reads_it(text: str) -> None:
    stored, parsed = _both(text)
    assert stored == parsed
    assert [d.empty_means for d in stored.dimensions] == [d.empty_means for d in parsed.dimensions]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(codebooks())
def test_any_valid_codebook_reads_back_the_same_without_pydantic(cb: Codebook) -> None:
    stored, parsed = _both(codebook_to_yaml(cb))
    assert stored == parsed == cb


def test_reading_a_stored_codebook_imports_no_pydantic() -> None:
    probe = (
        "import sys\n"
        "from socialcoder.codebooks import DEFAULT_CODEBOOK_PATH, read_stored_codebook\n"
        "read_stored_codebook(DEFAULT_CODEBOOK_PATH.read_text(encoding='utf-8'), source='x')\n"
        "print('pydantic' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
