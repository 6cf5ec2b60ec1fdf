"""Codebook files: YAML -> validated :class:`~socialcoder.domain.codebook.Codebook` and back.

Public API::

    load_codebook(path: Path) -> Codebook
    parse_codebook(text: str, *, source: str) -> Codebook
    read_stored_codebook(text: str, *, source: str) -> Codebook  # a study's own, no pydantic
    codebook_from_dict(data: Mapping[str, Any], *, source: str = "codebook") -> Codebook
    codebook_to_dict(cb: Codebook) -> dict[str, Any]      # JSON-ready, YAML field names
    codebook_to_yaml(cb: Codebook) -> str                 # parse_codebook reads it back equal
    load_default_codebook() -> Codebook
    DEFAULT_CODEBOOK_PATH: Path                           # the socialization-to-the-model codebook

Bad files raise :class:`~socialcoder.errors.CodebookError` naming the file, line and field.
The format is described in docs/codebook-format.md.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from socialcoder.codebooks.build import (
        DEFAULT_PALETTE,
        codebook_from_dict,
        load_codebook,
        parse_codebook,
        read_stored_codebook,
    )
    from socialcoder.codebooks.writer import codebook_to_dict, codebook_to_yaml
    from socialcoder.codebooks.yaml_tree import MAX_BYTES
    from socialcoder.domain.codebook import Codebook

#: where each name lives: imported when first used, so that reading a stored codebook
#: (:func:`read_stored_codebook`) or a YAML tree does not import pydantic (issue #14)
_HOMES = {
    "DEFAULT_PALETTE": "build",
    "codebook_from_dict": "build",
    "load_codebook": "build",
    "parse_codebook": "build",
    "read_stored_codebook": "build",
    "codebook_to_dict": "writer",
    "codebook_to_yaml": "writer",
    "MAX_BYTES": "yaml_tree",
}


def __getattr__(name: str) -> Any:
    if name == "DEFAULT_CODEBOOK_PATH":
        return _default_codebook_path()
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{home}"), name)


if TYPE_CHECKING:
    #: The default codebook shipped inside the package (a byte-identical copy of
    #: codebooks/socialization_to_model.yaml in the repository, so that it is there after a
    #: non-editable install too); found when first asked for (importlib.resources is not
    #: imported by a command that does not need it)
    DEFAULT_CODEBOOK_PATH: Path


def _default_codebook_path() -> Path:
    from importlib.resources import files

    return Path(str(files("socialcoder").joinpath("resources", "socialization_to_model.yaml")))


def load_default_codebook() -> Codebook:
    """The default codebook: socialization to the treatment model (Daniels & Wearden, 2011)."""
    from socialcoder.codebooks.build import load_codebook

    return load_codebook(_default_codebook_path())


__all__ = [
    "DEFAULT_CODEBOOK_PATH",
    "DEFAULT_PALETTE",
    "MAX_BYTES",
    "codebook_from_dict",
    "codebook_to_dict",
    "codebook_to_yaml",
    "load_codebook",
    "load_default_codebook",
    "parse_codebook",
    "read_stored_codebook",
]
