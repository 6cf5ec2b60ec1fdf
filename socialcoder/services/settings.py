"""Reading and changing a study's settings (see :mod:`socialcoder.domain.settings`).

A new study stores every setting's ``new`` value when it is created; a study made before a
setting existed has no row for it and keeps the setting's ``legacy`` value until the lead sets
it. Only the lead changes settings (a coder's server login is refused by the database).

``calibration_practice`` is typed and shown as transcript names but stored as transcript ids
(revision 0013): every coder may read ``study_settings``, and a name would tell a blinded coder
which session a practice transcript is. It is shown to each viewer as that viewer may see the
transcripts (:func:`practice_names`: names, or masked labels to a coder's login in a blinded
study); a transcript removed since is left out.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from socialcoder.domain import settings as rules
from socialcoder.domain.serial import record
from socialcoder.services.coders import coder_id
from socialcoder.services.study import Study, now
from socialcoder.services.study_change import ChangeKind, StudyChange
from socialcoder.services.transcript_lookup import transcript_id, transcripts_source
from socialcoder.storage.models import StudySettingRow


@dataclass(frozen=True, slots=True)
class SettingState:
    name: str
    value: rules.Value
    text: str
    stored: bool  # False: no row, the value of studies made before the setting existed
    help: str

    def to_json(self) -> dict[str, object]:
        return record(self, ("name", "value", "stored", "help"))


def read_settings(session: Session) -> dict[str, rules.Value]:
    rows = dict(session.execute(select(StudySettingRow.name, StudySettingRow.value)).all())
    return {name: rules.stored(name, rows.get(name)) for name in rules.SETTINGS}


def practice_ids(value: rules.Value) -> list[int]:
    """The transcript ids a stored ``calibration_practice`` holds."""
    return [int(n) for n in rules.names(value) if n.isdigit()]


def practice_names(session: Session, value: rules.Value) -> str:
    """A stored ``calibration_practice`` (transcript ids) as this login may see it:
    comma-separated names, or masked labels for a coder's login in a blinded study (the
    server's ``sc_transcripts()`` masks them); ids of transcripts removed since are left out."""
    ids = practice_ids(value)
    if not ids:
        return ""
    t = transcripts_source(session.connection())
    query = select(t.c.id, t.c.name).where(t.c.id.in_(ids))
    seen = {int(str(i)): str(n) for i, n in session.execute(query)}
    return ",".join(str(seen[i]) for i in ids if i in seen)


def forget_practice(session: Session, transcript_ids: list[int]) -> None:
    """Take removed transcripts out of ``calibration_practice`` (a withdrawal: an id SQLite
    may give a later transcript must not make it a practice one)."""
    row = session.get(StudySettingRow, rules.CALIBRATION_PRACTICE.name)
    if row is None:
        return
    kept = [str(i) for i in practice_ids(row.value) if i not in set(transcript_ids)]
    if ",".join(kept) != row.value:
        row.value, row.updated_at = ",".join(kept), now()
        session.flush()


def _shown(session: Session, name: str, value: rules.Value) -> rules.Value:
    """A stored value as the viewer sees it (see :func:`practice_names`)."""
    return practice_names(session, value) if name == rules.CALIBRATION_PRACTICE.name else value


def study_settings(study: Study) -> list[SettingState]:
    with study.read() as session:
        rows = dict(session.execute(select(StudySettingRow.name, StudySettingRow.value)).all())
        values = {
            name: _shown(session, name, rules.stored(name, rows.get(name)))
            for name in rules.SETTINGS
        }
    return [
        SettingState(
            name=name,
            value=values[name],
            text=rules.render(name, values[name]),
            stored=name in rows,
            help=s.help,
        )
        for name, s in sorted(rules.SETTINGS.items())
    ]


def get_setting(study: Study, name: str) -> rules.Value:
    s = rules.setting(name)
    with study.read() as session:
        text = session.scalars(
            select(StudySettingRow.value).where(StudySettingRow.name == s.name)
        ).one_or_none()
    return rules.stored(s.name, text)


def write_setting(session: Session, name: str, value: rules.Value) -> None:
    s = rules.setting(name)
    row = session.get(StudySettingRow, s.name)
    text = rules.render(s.name, value)
    if row is None:
        session.add(StudySettingRow(name=s.name, value=text, updated_at=now()))
    elif row.value != text:
        row.value, row.updated_at = text, now()
    session.flush()


def _known(session: Session, name: str, value: rules.Value) -> rules.Value:
    """A setting that names coders or transcripts names existing ones (a transcript by its
    name or masked label; stored by id, see the module's docstring)."""
    if name == rules.CALIBRATION_GOLD.name and value:
        coder_id(session, str(value))  # an unknown coder: one readable line
    if name == rules.CALIBRATION_PRACTICE.name:
        wanted = [str(transcript_id(session, n)) for n in rules.names(value)]
        return ",".join(dict.fromkeys(wanted))
    return value


class StoredSettings(list[SettingState]):
    """The new states of the settings :func:`set_settings` stored, with the change made."""

    __slots__ = ()

    @property
    def change(self) -> StudyChange:
        """The change made: the study's settings (none if none was given)."""
        return StudyChange.of(ChangeKind.SETTINGS) if self else StudyChange()


def set_settings(study: Study, texts: dict[str, str]) -> StoredSettings:
    """Set several settings from typed text together (one transaction); their new states,
    with the change made (``.change``)."""
    parsed = {rules.setting(n).name: rules.parse(n, t) for n, t in texts.items()}
    with study.write() as session:
        values = {n: _known(session, n, v) for n, v in parsed.items()}
        rules.check_together({**read_settings(session), **values})
        for n, v in values.items():
            write_setting(session, n, v)
        shown = {n: _shown(session, n, v) for n, v in values.items()}
    return StoredSettings(
        SettingState(
            name=n, value=v, text=rules.render(n, v), stored=True, help=rules.SETTINGS[n].help
        )
        for n, v in shown.items()
    )


def set_setting(study: Study, name: str, text: str) -> SettingState:
    """Set one setting from typed text (``on``/``off``, ``0.75``, ``ana``...); its new state."""
    [state] = set_settings(study, {name: text})
    return state
