"""An optional, locally installed NLP model that finds more names for de-identification.

The rules and lists of :mod:`.deidentify_rules` find the names a study knows and those that
follow a cue; a statistical named-entity recogniser finds names that nobody listed ("I saw Tom
at Riverside"). SocialCoder uses one only when the lead asks (``deidentify --nlp-model``) and
the machine already has it: spaCy (https://spacy.io) with a trained pipeline installed as a
package (``en_core_web_sm``...) or in a folder. It never installs or downloads a model and
makes no network call: :func:`load_model` loads from this machine only, with the Hugging Face
libraries (which transformer pipelines use) told to stay offline.

What the model finds is used like the lead's names list: each person, place or organisation it
recognises anywhere becomes a name that is then looked for everywhere in the study (so one
identity gets one pseudonym in every transcript), and a name that is also an ordinary word
goes to the lead's review as always. The model adds candidates; it never removes one that the
rules found.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from socialcoder.errors import UserError

#: the model's entity labels (spaCy's OntoNotes and WikiNER schemes) and the kind they become
LABELS = {
    "PERSON": "PERSON",
    "PER": "PERSON",
    "GPE": "PLACE",
    "LOC": "PLACE",
    "FAC": "PLACE",
    "ORG": "ORG",
}
AUTO = "auto"
MAX_NAME = 80  # longer "entities" are a model's misreading of a passage, not a name
_OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}


class Entity(Protocol):
    text: str
    label_: str


class Language(Protocol):
    """What SocialCoder uses of a spaCy pipeline (``nlp``): ``nlp.pipe(texts)`` yields one
    document per text, each with ``.ents`` (``.text``, ``.label_``)."""

    def pipe(self, texts: Iterable[str]) -> Iterator[Any]: ...


@dataclass
class NlpModel:
    """A loaded model and how to name it in the review and the audit log."""

    name: str
    nlp: Language = field(repr=False)

    def names(self, texts: Iterable[str]) -> dict[str, set[str]]:
        """The persons, places and organisations the model recognises in ``texts``."""
        found: dict[str, set[str]] = {"PERSON": set(), "PLACE": set(), "ORG": set()}
        for doc in self.nlp.pipe(texts):
            for ent in doc.ents:
                kind = LABELS.get(str(ent.label_).upper())
                name = " ".join(str(ent.text).split()).strip(" .,;:!?\"'()[]")
                if kind and name and len(name) <= MAX_NAME and any(c.isupper() for c in name[:1]):
                    found[kind].add(name)
        return found


@contextmanager
def _offline() -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in _OFFLINE}
    os.environ.update(_OFFLINE)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _spacy() -> Any:
    try:
        return importlib.import_module("spacy")
    except ImportError:
        raise UserError(
            "finding names with an NLP model needs spaCy and a trained pipeline installed on "
            "this machine "
            "(e.g. pip install spacy, then install a pipeline package such as en_core_web_sm "
            "from a file your institution approves); SocialCoder never downloads one"
        ) from None


def installed_models() -> list[str]:
    """The spaCy pipeline packages installed on this machine ([] without spaCy)."""
    try:
        spacy = importlib.import_module("spacy")
    except ImportError:
        return []
    return sorted(spacy.util.get_installed_models())


def load_model(spec: str) -> NlpModel:
    """Load ``spec``: ``auto`` (the first installed pipeline package that recognises
    entities), a pipeline package's name, or a pipeline folder. One line (UserError) when
    spaCy or the model is not on this machine."""
    spacy = _spacy()
    candidates = installed_models() if spec == AUTO else [spec]
    if not candidates:
        raise UserError(
            "NLP model 'auto': spaCy is installed but no trained pipeline is (install one, "
            "e.g. en_core_web_sm, from a file; SocialCoder never downloads one)"
        )
    for name in candidates:
        try:
            with _offline():
                nlp = spacy.load(name)
        except (OSError, ValueError, ImportError) as exc:
            if spec == AUTO:
                continue
            where = "folder" if Path(name).exists() else "pipeline package"
            raise UserError(
                f"cannot load the spaCy {where} {name!r} from this machine ({_first_line(exc)}); "
                "SocialCoder never downloads a model"
            ) from None
        if "ner" in getattr(nlp, "pipe_names", ["ner"]):
            return NlpModel(name, nlp)
        if spec != AUTO:
            raise UserError(f"the spaCy pipeline {name!r} has no entity recogniser (ner)")
    raise UserError("NLP model 'auto': no installed spaCy pipeline recognises entities (ner)")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
