"""The complete example in docs/codebook-format.md is a valid codebook that means what it says."""

from __future__ import annotations

import re
from pathlib import Path

from socialcoder.codebooks import parse_codebook
from socialcoder.domain.codebook import Role, Scale, Unit

DOC = Path(__file__).resolve().parents[3] / "docs" / "codebook-format.md"


def test_documented_example_parses() -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert blocks, "no yaml example in the format documentation"
    cb = parse_codebook(blocks[0], source=str(DOC))
    assert cb.version == "0.3"
    assert cb.keys == ("agreement", "pushback", "topic", "session_quality", "minutes_on_homework")
    pushback = cb.dimension("pushback")
    assert pushback.scale is Scale.ORDINAL
    assert pushback.value_texts == ("none", "mild", "strong")
    assert pushback.label_of("mild") == 'mild (doubt, "yes, but")'
    assert pushback.exclude == ("Questions that only ask for an explanation.",)
    assert pushback.empty_means == "none" and cb.dimension("topic").empty_means is None
    assert cb.dimension("agreement").applies_to == frozenset({Role.PATIENT})
    assert cb.dimension("topic").label_of("sleep") == "sleep"
    minutes = cb.dimension("minutes_on_homework")
    assert (minutes.scale, minutes.unit, minutes.values) == (Scale.RATIO, Unit.SESSION, ())
