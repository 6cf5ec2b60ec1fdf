"""Blinding from the command line: a new study is blinded, an upgraded one is not until the
lead turns it on; every coder-facing command shows the masked label and nothing that
identifies the session, and takes the label as the transcript's name; the lead sees both."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from socialcoder.services.study import open_study
from socialcoder.services.transcript_list import list_transcripts

#: what identifies a sample session: participant, therapist, name, session, date, file
IDENTIFYING = re.compile(
    r"P0[123]|T0[12]|session0|[Ss]ession [0-9]\b|2024-|\.txt|\.vtt|\"session\": [0-9]"
)


@pytest.fixture
def labels(sample_study: Path) -> dict[str, str]:
    """real name -> masked label"""
    with open_study(sample_study) as study:
        return {t.name: t.label for t in list_transcripts(study)}


def test_a_new_study_is_blinded(tmp_path: Path, cli) -> None:
    path = tmp_path / "new.scstudy"
    assert cli("init", path).code == 0
    settings = json.loads(cli("settings", path, "--json").out)["settings"]
    [blinding] = [s for s in settings if s["name"] == "blinding"]
    assert (blinding["name"], blinding["value"], blinding["stored"]) == ("blinding", True, True)
    assert cli("settings", path, "blinding").out.startswith("blinding: on")


def _coder_outputs(cli, study: Path, label: str) -> list[str]:
    runs = [
        ("transcripts", study, "--coder", "ana"),
        ("transcripts", study, "--coder", "ana", "--json"),
        ("show", study, label, "--coder", "ana"),
        ("show", study, label, "--coder", "ana", "--json"),
        (
            "code",
            study,
            "--coder",
            "ana",
            "--transcript",
            label,
            "--segment",
            "2",
            "--dimension",
            "concordance",
            "--value",
            "0",
        ),
        (
            "memo",
            study,
            "--coder",
            "ana",
            "--transcript",
            label,
            "--segment",
            "2",
            "--text",
            "a note",
        ),
        ("complete", study, "--coder", "ana", "--transcript", label),
        ("progress", study, "--coder", "ana"),
        ("progress", study, "--coder", "ana", "--json"),
    ]
    outputs = []
    for args in runs:
        result = cli(*args)
        assert result.code == 0, (args, result.err)
        outputs.append(result.out + result.err)
    return outputs


def test_coder_commands_show_the_label_and_nothing_identifying(
    sample_study: Path, labels: dict[str, str], cli
) -> None:
    label = labels["P01_session02"]
    assert cli("assign", sample_study, "--coder", "ana", "--transcript", label).code == 0
    outputs = _coder_outputs(cli, sample_study, label)
    for text in outputs:
        assert not IDENTIFYING.search(text), text
    assert all(lb in outputs[0] for lb in labels.values())  # the list: every label
    listed = json.loads(outputs[1])
    assert {t["name"] for t in listed} == set(labels.values())
    assert all(t["participant"] is None and t["date"] is None and t["id"] is None for t in listed)
    shown = json.loads(outputs[3])["transcript"]
    assert shown["name"] == label and shown["masked"] and shown["source"] == ""
    progress = json.loads(outputs[8])
    assert [(p["coder"], p["transcript"], p["status"]) for p in progress] == [
        ("ana", label, "complete")
    ]
    assert "purpose" not in progress[0]
    # the label took effect on the right transcript
    with open_study(sample_study) as study:
        from socialcoder.services.transcript_view import show_transcript

        view = show_transcript(study, "P01_session02", coder="ana")
    assert view.completed and view.segments[1].codes.get("concordance") == "0"


def test_the_lead_sees_names_and_labels(sample_study: Path, labels, cli) -> None:
    out = cli("transcripts", sample_study).out
    for name, label in labels.items():
        assert name in out and label in out
    data = json.loads(cli("transcripts", sample_study, "--json").out)
    assert {(t["name"], t["label"]) for t in data} == set(labels.items())
    shown = cli("show", sample_study, "P01_session02").out
    assert shown.startswith("P01_session02  participant P01  session 2")


def test_blinding_off_shows_coders_everything(sample_study: Path, labels, cli) -> None:
    assert cli("settings", sample_study, "blinding", "off").code == 0
    out = cli("transcripts", sample_study, "--coder", "ana").out
    assert "P01_session02" in out and "P01" in out
    bad = cli("settings", sample_study, "blinding", "sometimes")
    assert bad.code == 2 and "on or off" in bad.err
    assert cli("settings", sample_study, "colour", "red").code == 2


def test_consensus_is_the_leads(sample_study: Path, labels, cli) -> None:
    """`show --coder consensus` is the lead's view (not a coder's): names shown."""
    out = cli("show", sample_study, "P01_session02", "--coder", "consensus").out
    assert out.startswith("P01_session02  participant P01")
