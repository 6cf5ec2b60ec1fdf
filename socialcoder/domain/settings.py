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
NUMBER = "number"  # a share strictly between 0 and 1 (e.g. a pass mark)
TEXT = "text"  # one line; a list is comma-separated
TRUE_WORDS = frozenset({"on", "yes", "true", "1"})
FALSE_WORDS = frozenset({"off", "no", "false", "0"})

Value = bool | int | float | str


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    kind: str  # BOOL, NUMBER or TEXT
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

CALIBRATION_THRESHOLD = Setting(
    "calibration_threshold",
    NUMBER,
    new=0.8,
    legacy=0.8,
    help="calibration: pass mark for the lower end of each dimension's 95% interval of a "
    "trainee's agreement with the gold-standard coder (between 0 and 1; 0.8 is the usual bar)",
)

CALIBRATION_GOLD = Setting(
    "calibration_gold",
    TEXT,
    new="",
    legacy="",
    help="calibration: the gold-standard coder of the practice transcripts (empty: none)",
)

CALIBRATION_PRACTICE = Setting(
    "calibration_practice",
    TEXT,
    new="",
    legacy="",
    help="calibration: the practice transcripts, comma-separated names (stored by id: a "
    "blinded coder sees masked labels); a coder who completes one (and whose gold-standard "
    "coder has) is shown their comparison (empty: none)",
)

SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in (
        BLINDING,
        MACHINE_SUGGESTIONS,
        CALIBRATION_THRESHOLD,
        CALIBRATION_GOLD,
        CALIBRATION_PRACTICE,
    )
}


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
    """The value of setting ``name`` written as ``text`` (on/off, yes/no, true/false, 1/0; a
    number; a line of text, a list comma-separated)."""
    s = setting(name)
    word = text.strip().casefold()
    if s.kind == BOOL:
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise BadSetting(f"{s.name} is on or off, not {text!r}")
    if s.kind == NUMBER:
        try:
            number = float(word)
        except ValueError:
            number = float("nan")
        if not 0 < number < 1:  # also refuses nan
            raise BadSetting(f"{s.name} is a number between 0 and 1 (e.g. 0.8), not {text!r}")
        return number
    if s.kind == TEXT:
        line = " ".join(text.split())
        if s.name == CALIBRATION_PRACTICE.name:
            return ",".join(dict.fromkeys(n.strip() for n in line.split(",") if n.strip()))
        return line
    raise AssertionError(f"unhandled setting kind {s.kind}")


def render(name: str, value: Value) -> str:
    """The stored (and shown) text of a value."""
    s = setting(name)
    if s.kind == BOOL:
        return "on" if value else "off"
    if s.kind == NUMBER:
        return f"{float(value):g}"
    return str(value)


def check_together(values: dict[str, Value]) -> None:
    """Refuse settings that contradict each other (``values``: every setting's value)."""
    if values.get(MACHINE_SUGGESTIONS.name) and values.get(BLINDING.name):
        raise BadSetting(
            "machine suggestions are refused in a blind study (a suggestion is another "
            "coder's value); turn blinding off first, or leave machine_suggestions off"
        )


def names(value: Value) -> list[str]:
    """The items of a comma-separated list setting (``calibration_practice``)."""
    return [n.strip() for n in str(value).split(",") if n.strip()]


def stored(name: str, text: str | None) -> Value:
    """The value of a stored row (None: no row, the legacy value)."""
    s = setting(name)
    return s.legacy if text is None else parse(s.name, text)
