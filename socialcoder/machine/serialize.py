"""A model as bytes, and back, without pickle.

A study file may come from someone else, so loading a model must not be able to run code.
The stored form is a ZIP archive holding exactly:

* ``model.json``: format name and version, the dimension (key, values, numbers, roles, level,
  codebook version), the values the model codes, the settings, the vocabularies (terms in
  column order), the calibration (floats), the training description and library versions, and
  the dtype and shape of each array;
* ``coef.npy``, ``intercept.npy``, ``word_idf.npy``, ``char_idf.npy``: numpy's ``.npy``
  format, read with ``allow_pickle=False`` (an object array is refused, never unpickled).

Reading is strict: unknown or missing members, oversized members, wrong dtypes or shapes,
non-finite numbers and a different format version are refused with :class:`ModelFormatError`.
JSON floats round-trip exactly, so a loaded model codes exactly as the saved one.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from typing import Any

import numpy as np

from socialcoder.machine.calibration import Calibration
from socialcoder.machine.data import DimensionSpec
from socialcoder.machine.errors import MachineInputError, ModelFormatError
from socialcoder.machine.model import MachineModel, ModelSettings, TrainingInfo
from socialcoder.machine.text import CHAR, WORD, Analyzer, Vocabulary

FORMAT = "socialcoder-machine-model"
FORMAT_VERSION = 1
META = "model.json"
ARRAYS = {"coef": "<f4", "intercept": "<f4", "word_idf": "<f8", "char_idf": "<f8"}
#: Largest member read (uncompressed), against archives that expand without end.
MAX_MEMBER_BYTES = 1 << 30


def _array_bytes(array: np.ndarray, dtype: str) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.ascontiguousarray(array, dtype=dtype), allow_pickle=False)
    return buffer.getvalue()


def _floats(values: np.ndarray) -> list[float]:
    return [float(x) for x in values]


def model_to_bytes(model: MachineModel) -> bytes:
    arrays = {
        "coef": model.coef,
        "intercept": model.intercept,
        "word_idf": model.word.idf,
        "char_idf": model.char.idf,
    }
    spec = model.spec
    meta: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "dimension": {
            "key": spec.key,
            "values": list(spec.values),
            "numbers": list(spec.numbers),
            "roles": list(spec.roles),
            "level": spec.level,
            "codebook_version": spec.codebook_version,
        },
        "classes": list(model.classes),
        "settings": model.settings.to_dict(),
        "vocabularies": {
            WORD: {
                "ngrams": [model.word.analyzer.low, model.word.analyzer.high],
                "terms": list(model.word.terms),
            },
            CHAR: {
                "ngrams": [model.char.analyzer.low, model.char.analyzer.high],
                "terms": list(model.char.terms),
            },
        },
        "calibration": {
            "temperature": model.calibration.temperature,
            "bias": _floats(model.calibration.bias),
        },
        "training": model.training.to_dict(),
        "versions": dict(model.versions),
        "arrays": {
            name: {"dtype": ARRAYS[name], "shape": list(a.shape)} for name, a in arrays.items()
        },
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_entry(META), json.dumps(meta, ensure_ascii=False, allow_nan=False))
        for name, array in arrays.items():
            archive.writestr(_entry(f"{name}.npy"), _array_bytes(array, ARRAYS[name]))
    return out.getvalue()


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))  # same model, same bytes
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _read(archive: zipfile.ZipFile, name: str) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > MAX_MEMBER_BYTES:
        raise ModelFormatError(f"member {name!r} is too large ({info.file_size} bytes)")
    with archive.open(info) as handle:
        data = handle.read(MAX_MEMBER_BYTES + 1)
    if len(data) > MAX_MEMBER_BYTES:
        raise ModelFormatError(f"member {name!r} is too large")
    return data


def _load_array(archive: zipfile.ZipFile, name: str, meta: dict[str, Any]) -> np.ndarray:
    expected = meta["arrays"][name]
    try:
        array = np.lib.format.read_array(
            io.BytesIO(_read(archive, f"{name}.npy")), allow_pickle=False
        )
    except ValueError as exc:  # object arrays (pickles) and broken headers end here
        raise ModelFormatError(f"array {name!r} cannot be read without pickle ({exc})") from None
    if array.dtype != np.dtype(ARRAYS[name]) or list(array.shape) != list(expected["shape"]):
        raise ModelFormatError(
            f"array {name!r} is {array.dtype}{list(array.shape)}, expected "
            f"{ARRAYS[name]}{list(expected['shape'])}"
        )
    if not np.all(np.isfinite(array)):
        raise ModelFormatError(f"array {name!r} holds values that are not finite numbers")
    return array


def _finite(values: list[Any], what: str) -> np.ndarray:
    array = np.asarray([float(v) for v in values], dtype=np.float64)
    if not np.all(np.isfinite(array)):
        raise ModelFormatError(f"{what} holds values that are not finite numbers")
    return array


def _vocabulary(raw: dict[str, Any], kind: str, idf: np.ndarray) -> Vocabulary:
    terms = raw["terms"]
    if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
        raise ModelFormatError(f"the {kind} vocabulary is not a list of terms")
    if len(set(terms)) != len(terms):
        raise ModelFormatError(f"the {kind} vocabulary lists a term twice")
    low, high = (int(x) for x in raw["ngrams"])
    return Vocabulary(Analyzer(kind, low, high), tuple(terms), idf)


def model_from_bytes(payload: bytes) -> MachineModel:
    """The model stored in ``payload`` (see the module doc); nothing in it is executed."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(payload))
    except (zipfile.BadZipFile, ValueError, TypeError) as exc:
        raise ModelFormatError(f"not a model archive ({exc})") from None
    with archive:
        expected = {META, *(f"{name}.npy" for name in ARRAYS)}
        names = set(archive.namelist())
        if names != expected or len(archive.namelist()) != len(expected):
            raise ModelFormatError(f"unexpected archive members {sorted(names ^ expected)}")
        try:
            meta = json.loads(_read(archive, META).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ModelFormatError(f"{META} is not JSON ({exc})") from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise ModelFormatError(f"{META} does not describe a {FORMAT}")
        if meta.get("format_version") != FORMAT_VERSION:
            raise ModelFormatError(
                f"format version {meta.get('format_version')!r}; this SocialCoder reads "
                f"version {FORMAT_VERSION}"
            )
        try:
            return _build(archive, meta)
        except ModelFormatError:
            raise
        except (KeyError, TypeError, ValueError, MachineInputError) as exc:
            raise ModelFormatError(f"{type(exc).__name__}: {exc}") from None


def _build(archive: zipfile.ZipFile, meta: dict[str, Any]) -> MachineModel:
    dim = meta["dimension"]
    spec = DimensionSpec(
        key=str(dim["key"]),
        values=tuple(str(v) for v in dim["values"]),
        roles=tuple(str(r) for r in dim["roles"]),
        level=str(dim["level"]),
        codebook_version=str(dim["codebook_version"]),
        numbers=tuple(float(x) for x in _finite(dim["numbers"], "the dimension's numbers")),
    )
    classes = tuple(int(c) for c in meta["classes"])
    if (
        not classes
        or any(not 0 <= c < len(spec.values) for c in classes)
        or list(classes) != sorted(set(classes))
    ):
        raise ModelFormatError("the model's values are not values of its dimension")
    calibration = meta["calibration"]
    temperature = float(calibration["temperature"])
    if not (math.isfinite(temperature) and temperature > 0):
        raise ModelFormatError("the calibration temperature is not a positive number")
    vocabularies = meta["vocabularies"]
    return MachineModel(
        spec=spec,
        classes=classes,
        settings=ModelSettings.from_dict(meta["settings"]),
        word=_vocabulary(vocabularies[WORD], WORD, _load_array(archive, "word_idf", meta)),
        char=_vocabulary(vocabularies[CHAR], CHAR, _load_array(archive, "char_idf", meta)),
        coef=_load_array(archive, "coef", meta),
        intercept=_load_array(archive, "intercept", meta),
        calibration=Calibration(temperature, _finite(calibration["bias"], "the calibration bias")),
        training=TrainingInfo.from_dict(meta["training"]),
        versions={str(k): str(v) for k, v in dict(meta["versions"]).items()},
    )
