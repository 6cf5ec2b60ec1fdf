"""`codebook update`: a new version keeps every code; a change that would orphan codes is refused,
listing every problem, and leaves the study unchanged."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from socialcoder.codebooks import codebook_to_dict, load_default_codebook
from socialcoder.errors import CodebookError
from socialcoder.services.codebook_update import update_codebook
from socialcoder.services.codes_csv import export_codes_csv
from socialcoder.services.study import open_study


def _default() -> dict[str, Any]:
    data = codebook_to_dict(load_default_codebook())
    data["version"] = "2.0"
    return data


def _dim(data: dict[str, Any], key: str) -> dict[str, Any]:
    return next(d for d in data["dimensions"] if d["key"] == key)


def _write(tmp_path: Path, data: dict[str, Any], name: str = "new.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _without_value(data: dict[str, Any], key: str, value: str) -> dict[str, Any]:
    data = copy.deepcopy(data)
    dim = _dim(data, key)
    dim["values"] = [
        v for v in dim["values"] if str(v["value"] if isinstance(v, dict) else v) != value
    ]
    return data


def test_adding_a_dimension_keeps_every_code(target_sample, tmp_path):
    data = _default()
    data["dimensions"].insert(
        1,
        {
            "key": "rapport",
            "label": "Rapport",
            "scale": "ordinal",
            "values": ["low", "high"],
            "applies_to": ["therapist"],
            "shortcut": "q",
        },
    )
    with open_study(target_sample) as study:
        export_codes_csv(study, tmp_path / "before.csv")
        result = update_codebook(study, _write(tmp_path, data))
        assert (result.old_version, result.new_version, result.added) == (
            "1.1",
            "2.0",
            ("rapport",),
        )
        assert study.codebook.keys[1] == "rapport"
        export_codes_csv(study, tmp_path / "after.csv")
    assert (tmp_path / "after.csv").read_text() == (tmp_path / "before.csv").read_text()
    with open_study(target_sample) as study:  # stored: a fresh open sees version 2.0
        assert study.codebook.version == "2.0" and study.codebook.has("rapport")


def test_an_unused_value_may_be_removed(target_study, tmp_path):
    data = _without_value(_default(), "resistance", "strong")
    with open_study(target_study) as study:
        update_codebook(study, _write(tmp_path, data))
        assert study.codebook.dimension("resistance").value_texts == ("none", "mild")


def _refused(target: str, path: Path, dump) -> str:
    before = dump(target)
    with open_study(target) as study:
        with pytest.raises(CodebookError) as info:
            update_codebook(study, path)
        assert study.codebook.version == "1.1"
    assert dump(target) == before
    message = str(info.value)
    assert "\n" not in message and path.name in message
    return message


def test_removing_a_used_value_is_refused(target_sample, tmp_path, dump):
    path = _write(tmp_path, _without_value(_default(), "resistance", "mild"))
    message = _refused(target_sample, path, dump)
    assert "value 'mild' of 'resistance' is no longer allowed" in message


def test_removing_a_used_dimension_is_refused(target_sample, tmp_path, dump):
    data = _default()
    data["dimensions"] = [d for d in data["dimensions"] if d["key"] != "incongruent_principles"]
    message = _refused(target_sample, _write(tmp_path, data), dump)
    assert "dimension 'incongruent_principles' is missing" in message


def test_every_problem_is_listed(target_sample, tmp_path, dump):
    data = _without_value(_default(), "resistance", "mild")
    data["dimensions"] = [d for d in data["dimensions"] if d["key"] != "concordance"]
    _dim(data, "goal_agreement")["unit"] = "segment"
    message = _refused(target_sample, _write(tmp_path, data), dump)
    assert "'concordance' is missing" in message
    assert "'mild'" in message
    assert "goal_agreement" in message and "unit" in message


def test_narrowing_applies_to_under_used_codes_is_refused(target_sample, tmp_path, dump):
    data = _default()
    _dim(data, "concordance")["applies_to"] = ["therapist"]
    message = _refused(target_sample, _write(tmp_path, data), dump)
    assert "'concordance' no longer applies to patient turns" in message


def test_the_same_codebook_again_is_refused(target_study, tmp_path, dump):
    from socialcoder.codebooks import DEFAULT_CODEBOOK_PATH

    same = tmp_path / "same.yaml"
    same.write_bytes(Path(DEFAULT_CODEBOOK_PATH).read_bytes())
    assert "already recorded" in _refused(target_study, same, dump)
