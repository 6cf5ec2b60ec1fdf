"""A stored model is JSON and .npy arrays: loading a crafted payload cannot run code."""

from __future__ import annotations

import io
import json
import pickle
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

from socialcoder.machine import MachineModel, ModelFormatError, prepare, train

PACKAGE = Path(__file__).resolve().parents[3] / "socialcoder" / "machine"


class _Trap:
    """Unpickling this writes a file: proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "code ran"))


@pytest.fixture(scope="module")
def payload(synthetic, spec) -> bytes:
    turns, codes = synthetic(transcripts=10, turns=10)
    return train(prepare(turns, codes, spec)).to_bytes()


def _members(payload: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _archive(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def _object_npy(obj: object) -> bytes:
    """A .npy file holding a pickled object array (what ``allow_pickle=True`` would run)."""
    buffer = io.BytesIO()
    array = np.empty(1, dtype=object)
    array[0] = obj
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def test_the_stored_form_is_json_and_npy_only(payload: bytes) -> None:
    members = _members(payload)
    assert set(members) == {
        "model.json",
        "coef.npy",
        "intercept.npy",
        "word_idf.npy",
        "char_idf.npy",
    }
    meta = json.loads(members["model.json"])
    assert meta["format"] == "socialcoder-machine-model"
    assert meta["dimension"]["key"] == "talk"
    for name in ("coef", "intercept", "word_idf", "char_idf"):
        array = np.load(io.BytesIO(members[f"{name}.npy"]), allow_pickle=False)
        assert array.dtype.kind == "f"


def test_a_pickled_array_is_refused_and_never_unpickled(payload: bytes, tmp_path: Path) -> None:
    marker = tmp_path / "pwned.txt"
    members = _members(payload)
    members["coef.npy"] = _object_npy(_Trap(marker))
    with pytest.raises(ModelFormatError, match="without pickle"):
        MachineModel.from_bytes(_archive(members))
    assert not marker.exists()


def test_a_raw_pickle_is_not_a_model(tmp_path: Path) -> None:
    marker = tmp_path / "pwned.txt"
    with pytest.raises(ModelFormatError, match="not a model archive"):
        MachineModel.from_bytes(pickle.dumps(_Trap(marker)))
    assert not marker.exists()


def test_an_extra_member_is_refused(payload: bytes, tmp_path: Path) -> None:
    members = _members(payload)
    members["payload.pkl"] = pickle.dumps(_Trap(tmp_path / "pwned.txt"))
    with pytest.raises(ModelFormatError, match="unexpected archive members"):
        MachineModel.from_bytes(_archive(members))
    assert not (tmp_path / "pwned.txt").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: m.update(format_version=99), "format version 99"),
        (lambda m: m.update(format="something else"), "does not describe"),
        (lambda m: m["arrays"]["coef"].update(shape=[1, 1]), "array 'coef'"),
        (lambda m: m["calibration"].update(temperature=-1), "temperature"),
        (lambda m: m.update(classes=[0, 7]), "not values of its dimension"),
        (lambda m: m["vocabularies"]["word"]["terms"].append(1), "not a list of terms"),
        (lambda m: m.pop("training"), "KeyError"),
    ],
)
def test_a_tampered_description_is_refused(payload: bytes, change, message: str) -> None:
    members = _members(payload)
    meta = json.loads(members["model.json"])
    change(meta)
    members["model.json"] = json.dumps(meta).encode()
    with pytest.raises(ModelFormatError, match=message):
        MachineModel.from_bytes(_archive(members))


def test_non_finite_weights_are_refused(payload: bytes) -> None:
    members = _members(payload)
    coef = np.load(io.BytesIO(members["coef.npy"]), allow_pickle=False).copy()
    coef[0, 0] = np.nan
    buffer = io.BytesIO()
    np.save(buffer, coef, allow_pickle=False)
    members["coef.npy"] = buffer.getvalue()
    with pytest.raises(ModelFormatError, match="not finite"):
        MachineModel.from_bytes(_archive(members))


def test_garbage_is_refused() -> None:
    for junk in (b"", b"PK\x03\x04garbage", b"\x00" * 100):
        with pytest.raises(ModelFormatError):
            MachineModel.from_bytes(junk)


def test_the_package_has_no_pickle_path_at_all() -> None:
    source = "\n".join(p.read_text(encoding="utf-8") for p in sorted(PACKAGE.glob("*.py")))
    assert not re.search(
        r"^\s*(import|from)\s+(pickle|cPickle|joblib|dill|cloudpickle)\b", source, re.M
    )
    assert "allow_pickle=True" not in source
    assert not re.search(r"\b(eval|exec)\(", source)
    assert "np.load(" not in source  # arrays are read with read_array(allow_pickle=False) only
    assert source.count("allow_pickle=False") >= 2
