"""Each rule of the method has one home (issue #12, ``docs/architecture.md``): the package
restates none of them. Roles are numbered one way, ``domain.rules.ROLE_NUMBERS``: no other
module maps a role's name to a number."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "socialcoder"
HOME = PACKAGE / "domain" / "rules.py"
# a role's name as a key or a CASE branch with a number: {"therapist": 1}, 'patient' THEN 2
ROLE_AS_NUMBER = re.compile(r"""["'](therapist|patient)["']\s*(:|\bthen\b)\s*-?\d""", re.IGNORECASE)


def test_no_module_but_the_rules_numbers_the_roles() -> None:
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{number}: {line.strip()}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != HOME and "migrations" not in path.parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ROLE_AS_NUMBER.search(line)
    ]
    assert not found, "roles numbered outside domain/rules.py (use ROLE_NUMBERS):\n" + "\n".join(
        found
    )


def test_the_pattern_finds_a_role_numbered_by_hand() -> None:
    assert ROLE_AS_NUMBER.search('series.map({"therapist": 1.0, "patient": 2.0})')
    assert ROLE_AS_NUMBER.search("CASE role WHEN 'patient' THEN 2 END")
    assert not ROLE_AS_NUMBER.search('ROLE_CODES = {"therapist": "T"}')
