"""Blinded coding: masked transcript labels and who sees what.

Every transcript gets a **masked label** when it is imported (``Session K7Q2``): random, stored,
never changed, unique in the study, and carrying nothing of the transcript (not its name, its
participant, therapist, session number, date or position in the study). With the study setting
``blinding`` on, a coder sees only the label; the lead sees both.

Pure: no database.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Container

#: letters and digits that cannot be mistaken for each other (no 0/O, 1/I/L, 2/Z, 5/S, 8/B)
ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
PREFIX = "Session "
LENGTH = 4
LABEL_MAX = 20


def new_label(taken: Container[str], *, choice: Callable[[str], str] = secrets.choice) -> str:
    """A masked label not in ``taken``; longer labels once the short ones run thin."""
    length = LENGTH
    while True:
        for _ in range(50):
            label = PREFIX + "".join(choice(ALPHABET) for _ in range(length))
            if label not in taken:
                return label
        length += 1  # 50 draws all taken: the 4-letter space is crowded


def blinded(setting_on: bool, *, viewer_is_coder: bool) -> bool:
    """Whether a viewer sees masked labels only: a coder, in a study with blinding on."""
    return setting_on and viewer_is_coder
