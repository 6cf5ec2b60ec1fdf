"""`codebook update` never moves existing nominal/ordinal values silently: their position is
their numeric code in exports and ordinal reliability. Moving needs --allow-reorder and is
recorded in the codebook history."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from socialcoder.codebooks import codebook_to_dict, load_default_codebook
from socialcoder.errors import CodebookError, Input, Remedy
from socialcoder.services.codebook_update import codebook_history, update_codebook
from socialcoder.services.exporting import export_table
from socialcoder.services.study import open_study

DEFAULT_VERSION = load_default_codebook().version


def _default(version: str = "2.0") -> dict[str, Any]:
    data = codebook_to_dict(load_default_codebook())
    data["version"] = version
    return data


def _values(data: dict[str, Any], key: str, values: list[str]) -> dict[str, Any]:
    data = copy.deepcopy(data)
    dim = next(d for d in data["dimensions"] if d["key"] == key)
    by_value = {str(v["value"] if isinstance(v, dict) else v): v for v in dim["values"]}
    dim["values"] = [by_value.get(v, {"value": v, "label": v.title()}) for v in values]
    for v in dim["values"]:
        if isinstance(v, dict):
            v.pop("shortcut", None)  # new value orders may not keep every shortcut unique
    return data


def _write(tmp_path: Path, data: dict[str, Any], name: str = "new.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _resistance_numbers(study, tmp_path: Path) -> list[float]:
    out = tmp_path / "long.csv"
    out.unlink(missing_ok=True)
    export_table(study, out, layout="long", coders="all")
    frame = pd.read_csv(out)
    rows = frame[frame["dimension"] == "resistance"].sort_values(["transcript", "segment", "coder"])
    return rows["value_numeric"].dropna().tolist()


@pytest.mark.parametrize(
    ("values", "why"),
    [
        (["none", "strong", "mild"], "resistance (none, mild, strong -> none, strong, mild)"),
        (["none", "mild", "moderate", "strong"], "-> none, mild, moderate, strong"),
        (["absent", "none", "mild", "strong"], "-> absent, none, mild, strong"),
    ],
    ids=["reorder", "insert-before-strong", "insert-first"],
)
def test_moving_ordinal_values_is_refused_without_the_flag(
    target_sample, tmp_path, dump, values, why
):
    path = _write(tmp_path, _values(_default(), "resistance", values))
    before = dump(target_sample)
    with open_study(target_sample) as study, pytest.raises(CodebookError) as caught:
        update_codebook(study, path)
    message = str(caught.value)
    assert why in message and "numeric codes" in message
    assert caught.value.remedies == (Remedy.switch(Input.ALLOW_REORDER),)
    assert "\n" not in message
    assert dump(target_sample) == before


def test_allow_reorder_stores_it_and_records_it_in_the_history(target_sample, tmp_path):
    path = _write(tmp_path, _values(_default(), "resistance", ["none", "strong", "mild"]))
    with open_study(target_sample) as study:
        numbers_before = _resistance_numbers(study, tmp_path)
        result = update_codebook(study, path, allow_reorder=True)
        assert result.moved == ("resistance (none, mild, strong -> none, strong, mild)",)
        assert study.codebook.dimension("resistance").value_texts == ("none", "strong", "mild")
        numbers_after = _resistance_numbers(study, tmp_path)
        history = codebook_history(study)
    # the codes keep their values; their numbers follow the new order (mild 1 -> 2, strong 2 -> 1)
    assert {1.0, 2.0} <= set(numbers_before)
    assert numbers_after == [{0.0: 0.0, 1.0: 2.0, 2.0: 1.0}[n] for n in numbers_before]
    assert [(h.number, h.version) for h in history] == [(1, DEFAULT_VERSION), (2, "2.0")]
    assert history[0].note is None
    assert history[1].note == (
        "values moved with --allow-reorder: resistance (none, mild, strong -> none, strong, mild)"
    )


def test_appending_a_value_moves_nothing(target_sample, tmp_path):
    path = _write(tmp_path, _values(_default(), "resistance", ["none", "mild", "strong", "severe"]))
    with open_study(target_sample) as study:
        result = update_codebook(study, path)
        assert result.moved == () and result.note is None


def test_moving_nominal_values_is_refused_too(target_study, tmp_path):
    data = _default()
    data["dimensions"].append(
        {"key": "topic", "label": "Topic", "scale": "nominal", "values": ["sleep", "activity", "mood"],
         "applies_to": ["patient"]}
    )  # fmt: skip
    with open_study(target_study) as study:
        update_codebook(study, _write(tmp_path, data, "v2.yaml"))
        moved = _values(data, "topic", ["mood", "sleep", "activity"])
        moved["version"] = "3.0"
        with pytest.raises(CodebookError, match="topic \\(sleep, activity, mood -> mood, sleep"):
            update_codebook(study, _write(tmp_path, moved, "v3.yaml"))
        assert update_codebook(study, _write(tmp_path, moved, "v3.yaml"), allow_reorder=True).moved


def test_cli_allow_reorder_and_history(cli, target_sample, tmp_path):
    path = _write(tmp_path, _values(_default(), "resistance", ["none", "strong", "mild"]))
    refused = cli("codebook", "update", target_sample, path)
    assert refused.code == 2 and "--allow-reorder" in refused.err
    done = cli("codebook", "update", target_sample, path, "--allow-reorder")
    assert done.code == 0, done.err
    assert "Values moved (recorded in the codebook history): resistance" in done.out
    history = json.loads(cli("codebook", "history", target_sample, "--json").out)
    assert [h["version"] for h in history] == [DEFAULT_VERSION, "2.0"]
    assert "resistance (none, mild, strong -> none, strong, mild)" in history[1]["note"]
    assert set(history[0]) == {"number", "name", "version", "recorded_at", "note"}
    text = cli("codebook", "history", target_sample)
    assert text.code == 0 and "values moved with --allow-reorder" in text.out
