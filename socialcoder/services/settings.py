"""Reading and changing a study's settings (see :mod:`socialcoder.domain.settings`).

A new study stores every setting's ``new`` value when it is created; a study made before a
setting existed has no row for it and keeps the setting's ``legacy`` value until the lead sets
it. Only the lead changes settings (a coder's server login is refused by the database).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from socialcoder.domain import settings as rules
from socialcoder.services.study import Study, now
from socialcoder.storage.models import StudySettingRow


@dataclass(frozen=True, slots=True)
class SettingState:
    name: str
    value: rules.Value
    text: str
    stored: bool  # False: no row, the value of studies made before the setting existed
    help: str

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "value": self.value, "stored": self.stored, "help": self.help}


def read_settings(session: Session) -> dict[str, rules.Value]:
    rows = dict(session.execute(select(StudySettingRow.name, StudySettingRow.value)).all())
    return {name: rules.stored(name, rows.get(name)) for name in rules.SETTINGS}


def study_settings(study: Study) -> list[SettingState]:
    with study.read() as session:
        rows = dict(session.execute(select(StudySettingRow.name, StudySettingRow.value)).all())
    out = []
    for name, s in sorted(rules.SETTINGS.items()):
        value = rules.stored(name, rows.get(name))
        out.append(SettingState(name, value, rules.render(name, value), name in rows, s.help))
    return out


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


def set_setting(study: Study, name: str, text: str) -> SettingState:
    """Set one setting from typed text (``on``/``off``...); returns its new state."""
    s = rules.setting(name)
    value = rules.parse(s.name, text)
    with study.write() as session:
        rules.check_together({**read_settings(session), s.name: value})
        write_setting(session, s.name, value)
    return SettingState(s.name, value, rules.render(s.name, value), True, s.help)
