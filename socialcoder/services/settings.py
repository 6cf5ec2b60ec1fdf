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
from socialcoder.services.coders import coder_id
from socialcoder.services.coding import transcript_id
from socialcoder.services.study import Study, now
from socialcoder.storage.models import StudySettingRow, TranscriptRow


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


def _known(session: Session, name: str, value: rules.Value) -> rules.Value:
    """A setting that names coders or transcripts names existing ones (a transcript by its
    name or masked label; stored by name)."""
    if name == rules.CALIBRATION_GOLD.name and value:
        coder_id(session, str(value))  # an unknown coder: one readable line
    if name == rules.CALIBRATION_PRACTICE.name:
        wanted = [session.get_one(TranscriptRow, transcript_id(session, n)).name
                  for n in rules.names(value)]  # fmt: skip
        return ",".join(dict.fromkeys(wanted))
    return value


def set_settings(study: Study, texts: dict[str, str]) -> list[SettingState]:
    """Set several settings from typed text together (one transaction); their new states."""
    parsed = {rules.setting(n).name: rules.parse(n, t) for n, t in texts.items()}
    with study.write() as session:
        values = {n: _known(session, n, v) for n, v in parsed.items()}
        rules.check_together({**read_settings(session), **values})
        for n, v in values.items():
            write_setting(session, n, v)
    return [
        SettingState(n, v, rules.render(n, v), True, rules.SETTINGS[n].help)
        for n, v in values.items()
    ]


def set_setting(study: Study, name: str, text: str) -> SettingState:
    """Set one setting from typed text (``on``/``off``, ``0.75``, ``ana``...); its new state."""
    [state] = set_settings(study, {name: text})
    return state
