"""De-identification with an optional, locally installed NLP model (spaCy).

The integration path runs on a stand-in for spaCy (a module object with ``load`` and
``util.get_installed_models``, whose pipeline recognises a fixed set of names): names nobody
listed and no cue reveals are found through it, everywhere in the study, with no network call.
The last test uses the real spaCy and a real pipeline when this machine has both, and is skipped
otherwise (SocialCoder never downloads one). Everything below is fictional.
"""

from __future__ import annotations

import re
import socket
import sys
import types
from pathlib import Path
from typing import ClassVar

import pytest

from socialcoder.domain.codebook import Role
from socialcoder.errors import UserError
from socialcoder.services.audit_events import list_events
from socialcoder.services.deidentify import find_candidates
from socialcoder.services.deidentify_apply import DeidentifyResult, deidentify
from socialcoder.services.deidentify_nlp import installed_models, load_model
from socialcoder.services.study import open_study
from socialcoder.services.transcript_import import ImportItem, import_transcripts
from socialcoder.services.transcript_list import list_transcripts
from socialcoder.services.transcript_view import show_transcript

TEXT = """\
Fictional transcript written for SocialCoder's tests; no real person or place.
[00:00:01] Therapist: How was the week?
[00:00:05] Client: I saw Tom at Riverside on Sunday, and Tom was kind.
[00:00:12] Therapist: Does Tom know about Larkfield Trust?
[00:00:18] Client: No. Nobody at Larkfield Trust knows.
"""
T = "X09_session01"
UNLISTED = ("Tom", "Riverside", "Larkfield Trust")


class _Ent:
    def __init__(self, text: str, label: str) -> None:
        self.text, self.label_ = text, label


class _FakeNlp:
    """A pipeline that 'recognises' the fictional names (as a trained model would)."""

    pipe_names = ("tok2vec", "ner")
    known: ClassVar[dict[str, str]] = {
        "Tom": "PERSON",
        "Riverside": "GPE",
        "Larkfield Trust": "ORG",
        "Sunday": "DATE",
    }

    def __init__(self) -> None:
        self.calls = 0

    def pipe(self, texts):
        pattern = re.compile("|".join(sorted(map(re.escape, self.known), key=len, reverse=True)))
        for text in texts:
            self.calls += 1
            yield types.SimpleNamespace(
                ents=[_Ent(m.group(), self.known[m.group()]) for m in pattern.finditer(text)]
            )


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("a network connection was attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture
def fake_spacy(monkeypatch: pytest.MonkeyPatch):
    module = types.ModuleType("spacy")
    loaded: list[tuple[str, dict[str, str | None]]] = []

    def load(name: str):
        import os

        loaded.append((name, {k: os.environ.get(k) for k in ("HF_HUB_OFFLINE",)}))
        if name != "xx_fictional_ner":
            raise OSError(f"[E050] Can't find model '{name}'. It doesn't seem to be a package.")
        return _FakeNlp()

    module.load = load
    module.util = types.SimpleNamespace(get_installed_models=lambda: ["xx_fictional_ner"])
    module.loaded = loaded
    monkeypatch.setitem(sys.modules, "spacy", module)
    return module


@pytest.fixture
def study(sample_study: Path, tmp_path: Path) -> Path:
    source = tmp_path / f"{T}.txt"
    source.write_text(TEXT, encoding="utf-8")
    with open_study(sample_study) as s:
        import_transcripts(
            s,
            [ImportItem(path=source, participant="X09", therapist="T05",
                        speaker_map={"Client": Role.PATIENT, "Therapist": Role.THERAPIST})],
        )  # fmt: skip
    return sample_study


def test_without_a_model_unlisted_names_stay_candidates_of_nothing(study: Path) -> None:
    with open_study(study) as s:
        found = {c.text for c in find_candidates(s, seed=1).candidates if c.transcript == T}
    assert not found & set(UNLISTED)


def test_a_local_model_finds_unlisted_names_everywhere(
    study: Path, tmp_path: Path, fake_spacy, no_network
) -> None:
    model = load_model("auto")
    assert model.name == "xx_fictional_ner"
    assert fake_spacy.loaded == [("xx_fictional_ner", {"HF_HUB_OFFLINE": "1"})]  # told offline
    with open_study(study) as s:
        plan = find_candidates(s, seed=1, nlp=model)
    mine = [c for c in plan.candidates if c.transcript == T]
    by_text = {(c.text, c.kind) for c in mine}
    assert {("Tom", "PERSON"), ("Riverside", "PLACE"), ("Larkfield Trust", "ORG")} <= by_text
    assert sum(c.text == "Tom" for c in mine) == 3  # found by the model once is found everywhere
    assert len({c.replacement for c in mine if c.text == "Tom"}) == 1  # one pseudonym
    assert not any(c.text == "Sunday" for c in mine)  # a weekday is no identifier

    out = tmp_path / "copy.scstudy"
    result = deidentify(study, out, nlp_model="auto", seed=1)
    assert isinstance(result, DeidentifyResult)
    assert not any(name.encode() in out.read_bytes() for name in UNLISTED)
    with open_study(out) as copy:
        texts = [
            seg.text
            for t in list_transcripts(copy)
            for seg in show_transcript(copy, t.name).segments
            if "saw" in seg.text or "Nobody" in seg.text
        ]
    assert texts and not any(n in x for x in texts for n in UNLISTED)
    with open_study(study) as s:
        event = [e for e in list_events(s, kinds=("deidentified",))][-1]
    assert event.detail["nlp_model"] == "xx_fictional_ner"


def test_a_model_that_is_not_installed_is_one_line(study: Path, tmp_path: Path, fake_spacy) -> None:
    with pytest.raises(UserError, match="never downloads"):
        deidentify(study, tmp_path / "copy.scstudy", nlp_model="en_core_web_sm")
    assert not (tmp_path / "copy.scstudy").exists()


def test_without_spacy_the_option_says_what_is_missing(
    cli, study: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "spacy", None)  # import spacy fails
    assert installed_models() == []
    done = cli("deidentify", study, tmp_path / "copy.scstudy", "--nlp-model", "auto")
    assert done.code == 2
    assert "spaCy" in done.err and "never downloads" in done.err and "Traceback" not in done.err
    assert len(done.err.strip().splitlines()) == 1


def test_a_real_installed_pipeline(study: Path, no_network) -> None:
    pytest.importorskip("spacy")
    if not installed_models():
        pytest.skip("no spaCy pipeline installed on this machine (never downloaded by the tests)")
    model = load_model("auto")
    found = model.names(["I saw Tom Baker in London with people from Oxfam."])
    assert any("Tom" in n for n in found["PERSON"]) or found["PLACE"] or found["ORG"]


def test_a_study_on_a_server_is_refused_with_the_reason(tmp_path: Path) -> None:
    from socialcoder.errors import StudyError

    with pytest.raises(StudyError, match="needs a study file"):
        deidentify("postgresql+psycopg://lead@localhost/trial", tmp_path / "copy.scstudy")
    assert not (tmp_path / "copy.scstudy").exists()
