"""A codebook may not take the coding window's own keys (socialcoder.domain.keys) as shortcuts:
the loader refuses them, naming every one, for the CLI and the GUI alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from socialcoder.codebooks import load_codebook, parse_codebook
from socialcoder.domain import keys
from socialcoder.errors import CodebookError

HEAD = "name: Keys test\nversion: 1\ndimensions:\n"


def _dim(key: str, shortcut: str) -> str:
    return (
        f"  - key: {key}\n    label: {key.title()}\n    scale: binary\n    shortcut: {shortcut}\n"
    )


def _refused(tmp_path: Path, text: str) -> str:
    path = tmp_path / "keys.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CodebookError) as caught:
        load_codebook(path)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message
    return message


@pytest.mark.parametrize("shortcut", ["j", "k", "n", "m", "J", "N"])
def test_a_window_key_is_refused_as_a_dimension_shortcut(tmp_path: Path, shortcut: str):
    message = _refused(tmp_path, HEAD + _dim("a", "x") + _dim("b", shortcut))
    what = keys.WINDOW_KEYS[shortcut.lower()]
    assert f":11: dimension 'b', field 'shortcut': shortcut '{shortcut}'" in message
    assert f"the coding window's own key for '{what}'" in message
    assert "j next segment, k previous segment, n next uncoded segment, m memo" in message


def test_every_conflict_is_named_at_once(tmp_path: Path):
    text = HEAD + _dim("a", "j") + _dim("b", "c") + _dim("d", "m")
    text += (
        "  - key: e\n    label: E\n    scale: ordinal\n    values:\n"
        "      - {value: low, shortcut: '2'}\n      - {value: high, shortcut: '1'}\n"
    )
    message = _refused(tmp_path, text)
    assert "dimension 'a'" in message and "dimension 'd'" in message
    assert "field 'values[0].shortcut': shortcut '2' is the window's digit for value 2" in message
    assert "field 'values[1].shortcut'" in message
    assert "dimension 'b'" not in message


def test_allowed_shortcuts(tmp_path: Path):
    text = HEAD + _dim("a", "c") + _dim("b", "9")
    text += (
        "  - key: e\n    label: E\n    scale: ordinal\n    values:\n"
        "      - {value: none, shortcut: n}\n      - {value: mild, shortcut: m}\n"
        "      - {value: three, shortcut: '3'}\n"
    )  # value keys work while a dimension is armed; a digit may be the value's own position
    path = tmp_path / "ok.yaml"
    path.write_text(text, encoding="utf-8")
    codebook = load_codebook(path)
    assert [d.shortcut for d in codebook.dimensions] == ["c", "9", None]
    assert list(keys.shortcut_conflicts(codebook)) == []


def test_a_stored_codebook_still_opens_and_its_conflicts_are_listed():
    text = HEAD + _dim("a", "j") + _dim("b", "c")
    with pytest.raises(CodebookError):
        parse_codebook(text, source="new")
    stored = parse_codebook(text, source="stored", window_keys=False)
    conflicts = list(keys.shortcut_conflicts(stored))
    assert [k for k, _ in conflicts] == ["a"]
    assert keys.coding_shortcut(stored.dimension("a")) is None
    assert keys.coding_shortcut(stored.dimension("b")) == "c"


def test_cli_init_and_codebook_update_refuse_window_keys(cli, tmp_path: Path, study_path: Path):
    path = tmp_path / "keys.yaml"
    path.write_text(HEAD + _dim("a", "k"), encoding="utf-8")
    result = cli("init", tmp_path / "new.scstudy", "--codebook", path)
    assert result.code == 2 and "coding window's own key for 'previous segment'" in result.err
    assert not (tmp_path / "new.scstudy").exists()
    result = cli("codebook", "update", study_path, path)
    assert result.code == 2 and "shortcut 'k'" in result.err


def test_player_keys_never_take_a_codebook_shortcut_or_a_window_key():
    from socialcoder.codebooks.schema import DimensionModel
    from socialcoder.domain.media_keys import PLAYER_KEYS

    for key in (k for p in PLAYER_KEYS for k in p.keys):
        with pytest.raises(ValueError):  # a codebook cannot have it as a shortcut
            DimensionModel.model_validate(
                {"key": "x", "label": "x", "scale": "binary", "shortcut": key}
            )
        assert key.casefold() not in keys.WINDOW_KEYS and key not in keys.PICK_DIGITS
