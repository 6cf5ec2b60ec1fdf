"""Study settings: one typed, named value per setting, stored in the study (``study_settings``).

Each :class:`Setting` declares its type, the value a **new** study gets (written when the study
is created) and the value a study made **before the setting existed** has (it has no row: the
``legacy`` value applies, so that upgrading never changes how an existing study behaves).
:func:`parse` turns typed text (CLI, window) into the value, or raises one readable line;
:func:`render` gives the stored text. Add a setting here and every path (CLI ``settings``, the
lead's window, the services that read it) knows it.

Pure: no database.
"""

from __future__ import annotations

from dataclasses import dataclass

from socialcoder.errors import UserError

BOOL = "on/off"
TRUE_WORDS = frozenset({"on", "yes", "true", "1"})
FALSE_WORDS = frozenset({"off", "no", "false", "0"})

Value = bool | int | str


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    kind: str  # BOOL (more kinds when a setting needs them)
    new: Value  # what a study created now gets
    legacy: Value  # what a study made before this setting existed has
    help: str


BLINDING = Setting(
    "blinding",
    BOOL,
    new=True,
    legacy=False,
    help="coders see a masked label per transcript (e.g. 'Session K7Q2'), never its name, "
    "participant, therapist, session number, date, source file or session measures; "
    "the lead sees both",
)

MACHINE_SUGGESTIONS = Setting(
    "machine_suggestions",
    BOOL,
    new=False,
    legacy=False,
    help="a coder sees a machine coder's value faintly on turns they have not coded and may "
    "accept it with a key (each accepted suggestion is marked in the audit log); never in a "
    "blind study, never on double-coded transcripts before their adjudication",
)

SETTINGS: dict[str, Setting] = {s.name: s for s in (BLINDING, MACHINE_SUGGESTIONS)}


class BadSetting(UserError, ValueError):
    """An unknown setting or a value it cannot take (one readable line)."""


def setting(name: str) -> Setting:
    try:
        return SETTINGS[name.strip().casefold()]
    except KeyError:
        raise BadSetting(
            f"unknown setting {name!r} (settings: {', '.join(sorted(SETTINGS))})"
        ) from None


def parse(name: str, text: str) -> Value:
    """The value of setting ``name`` written as ``text`` (on/off, yes/no, true/false, 1/0)."""
    s = setting(name)
    word = text.strip().casefold()
    if s.kind == BOOL:
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise BadSetting(f"{s.name} is on or off, not {text!r}")
    raise AssertionError(f"unhandled setting kind {s.kind}")


def render(name: str, value: Value) -> str:
    """The stored (and shown) text of a value."""
    s = setting(name)
    if s.kind == BOOL:
        return "on" if value else "off"
    return str(value)


def check_together(values: dict[str, Value]) -> None:
    """Refuse settings that contradict each other (``values``: every setting's value)."""
    if values.get(MACHINE_SUGGESTIONS.name) and values.get(BLINDING.name):
        raise BadSetting(
            "machine suggestions are refused in a blind study (a suggestion is another "
            "coder's value); turn blinding off first, or leave machine_suggestions off"
        )


def stored(name: str, text: str | None) -> Value:
    """The value of a stored row (None: no row, the legacy value)."""
    s = setting(name)
    return s.legacy if text is None else parse(s.name, text)
