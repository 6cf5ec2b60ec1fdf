"""The player's keys in the coding window, owned by the core (one list: the window binds them
from here, the keyboard sheet and README list them from here).

None of them can collide with a codebook or with the window's own keys (domain/keys.py):
codebook shortcuts are single letters or digits pressed alone (codebooks/schema.py), and every
key here is Space, Return, a function key or a Ctrl combination (tests/unit/codebooks/
test_window_keys.py checks this list against both).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PlayerKey:
    name: str
    keys: tuple[str, ...]  # QKeySequence text, e.g. "Ctrl+Left"
    label: str  # menu text
    what: str  # keyboard sheet
    single: bool = False  # a key without modifier: handled by the transcript list only


PLAYER_KEYS: tuple[PlayerKey, ...] = (
    PlayerKey("play_pause", ("Space",), "&Play / pause", "play / pause the recording", True),
    PlayerKey(
        "play_turn",
        ("Return", "Enter"),
        "Play &turn",
        "play the selected turn only (stops at its end)",
        True,
    ),
    PlayerKey("replay", ("Ctrl+R",), "&Replay last seconds", "replay the last 5 seconds"),
    PlayerKey("back", ("Ctrl+Left",), "Skip &back", "skip back 5 seconds"),
    PlayerKey("forward", ("Ctrl+Right",), "Skip &forward", "skip forward 5 seconds"),
    PlayerKey("slower", ("Ctrl+,",), "&Slower", "slower (down to 0.5×, pitch kept)"),
    PlayerKey("faster", ("Ctrl+.",), "F&aster", "faster (up to 2×, pitch kept)"),
    PlayerKey("volume_down", ("Ctrl+Down",), "Volume &down", "volume down"),
    PlayerKey("volume_up", ("Ctrl+Up",), "Volume &up", "volume up"),
    PlayerKey(
        "follow",
        ("Ctrl+L",),
        "F&ollow playback",
        "follow mode on/off: the selected turn follows playback",
    ),
    PlayerKey(
        "timing", ("Ctrl+T",), "T&iming mode", "timing mode on/off (for transcripts without times)"
    ),
    PlayerKey(
        "stamp",
        ("F9",),
        "Stamp turn &start",
        "timing mode: the selected turn starts now; go to the next",
    ),
    PlayerKey(
        "therapist_turn",
        ("Ctrl+1",),
        "New t&herapist turn",
        "recording without transcript: a therapist turn starts now",
    ),
    PlayerKey(
        "patient_turn",
        ("Ctrl+2",),
        "New &patient turn",
        "recording without transcript: a patient turn starts now",
    ),
    PlayerKey("player", ("Ctrl+Shift+P",), "Show p&layer", "show / hide the player"),
)

#: seconds for replay and skip; playback rates from slowest to fastest
JUMP_SECONDS = 5.0
RATES = (0.5, 0.6, 0.75, 0.9, 1.0, 1.25, 1.5, 1.75, 2.0)


def player_key(name: str) -> PlayerKey:
    for key in PLAYER_KEYS:
        if key.name == name:
            return key
    raise KeyError(name)
