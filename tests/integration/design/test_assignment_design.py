"""`assign` with a design: stratified, seeded, recorded, covert, spread over each coder's
period, with anchors; previewed with --dry-run."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from socialcoder.services.study import open_study
from socialcoder.storage.models import AssignmentPlanRow

TEXT = "FICTIONAL TRANSCRIPT written for SocialCoder's tests.\nT: Hello.\nP: Hi {i}.\nT: Bye.\n"
DESIGN = ["--coders", "a,b,c", "--overlap", "25", "--stratify", "therapist,site", "--covert",
          "--anchors", "2", "--seed", "11"]  # fmt: skip


@pytest.fixture
def trial(tmp_path: Path, cli) -> Path:
    """26 transcripts: 3 therapists, 2 sites (from a manifest with site and phase)."""
    study = tmp_path / "trial.scstudy"
    assert cli("init", study).code == 0
    rows = ["file,participant,therapist,session,date,site,phase"]
    for i in range(26):
        (tmp_path / f"S{i:02d}.txt").write_text(TEXT.format(i=i), encoding="utf-8")
        site = "north" if i % 2 else "south"
        rows.append(
            f"S{i:02d}.txt,P{i % 7},TH{i % 3},{i // 7 + 1},,{site},{'early' if i < 13 else 'late'}"
        )
    (tmp_path / "manifest.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert cli("import", study, "--manifest", tmp_path / "manifest.csv").code == 0
    assert cli("coders", "add", study, "a", "b", "c").code == 0
    return study


def test_dry_run_previews_the_same_plan_the_seed_stores(trial: Path, cli) -> None:
    first = json.loads(cli("assign", trial, *DESIGN, "--dry-run", "--json").out)
    again = json.loads(cli("assign", trial, *DESIGN, "--dry-run", "--json").out)
    assert first == again and first["stored"] is None
    assert cli("progress", trial, "--json").out.strip() == "[]"  # nothing stored
    stored = json.loads(cli("assign", trial, *DESIGN, "--json").out)
    assert stored["assignments"] == first["assignments"]
    assert stored["stored"] == len(first["assignments"])
    with open_study(trial) as study, study.read() as session:
        record = session.scalars(select(AssignmentPlanRow)).one()
        assert record.seed == 11 and record.id == stored["plan_id"]
        assert json.loads(record.design)["design"]["stratify"] == ["therapist", "site"]


def test_strata_in_proportion_and_anchors_for_everyone(trial: Path, cli) -> None:
    plan = json.loads(cli("assign", trial, *DESIGN, "--json").out)
    rest = 26 - 2
    assert len(plan["double_coded"]) == round(rest * 0.25)
    for s in plan["strata"]:
        assert abs(s["double_coded"] - s["expected"]) < 1
    assert sum(s["transcripts"] for s in plan["strata"]) == rest
    per = Counter(a["transcript"] for a in plan["assignments"])
    for name in plan["anchors"]:
        assert per[name] == 3
    for name in plan["double_coded"]:
        assert per[name] == 2


def _coder_view(cli, study: Path, coder: str) -> tuple[list[dict], list[dict]]:
    listed = json.loads(cli("transcripts", study, "--coder", coder, "--json").out)
    progress = json.loads(cli("progress", study, "--coder", coder, "--json").out)
    return listed, progress


def test_covert_a_coder_cannot_tell_double_coded_from_single(trial: Path, cli) -> None:
    plan = json.loads(cli("assign", trial, *DESIGN, "--json").out)
    with open_study(trial) as study:
        from socialcoder.services.transcript_list import list_transcripts

        label = {t.name: t.label for t in list_transcripts(study)}
    doubled = set(plan["double_coded"]) | set(plan["anchors"])
    for coder in ("a", "b", "c"):
        listed, progress = _coder_view(cli, trial, coder)
        mine = [a for a in plan["assignments"] if a["coder"] == coder]
        # the coder's order is the recorded one, and it is what the coder is shown
        in_order = [label[a["transcript"]] for a in sorted(mine, key=lambda a: a["position"])]
        assert [p["transcript"] for p in progress] == in_order
        assert [t["name"] for t in listed][: len(in_order)] == in_order
        special = {label[a["transcript"]] for a in mine if a["transcript"] in doubled}
        plain = {label[a["transcript"]] for a in mine} - special
        assert special and plain
        # everything the coder sees about a transcript has the same shape and says nothing
        # of its purpose, whether double-coded or not
        shapes = {json.dumps(sorted(p)) for p in progress}
        assert len(shapes) == 1 and "purpose" not in progress[0]
        for t in listed:
            assert set(t) == set(listed[0]) and t["masked"]
        one_special = cli("show", trial, sorted(special)[0], "--coder", coder, "--json").out
        one_plain = cli("show", trial, sorted(plain)[0], "--coder", coder, "--json").out
        a, b = json.loads(one_special), json.loads(one_plain)
        assert set(a) == set(b) and set(a["transcript"]) == set(b["transcript"])
        assert "reliab" not in one_special + json.dumps(listed) + json.dumps(progress)


def test_a_plan_leaves_existing_assignments_alone(trial: Path, cli) -> None:
    assert cli("assign", trial, "--coder", "a", "--transcript", "S00").code == 0
    plan = json.loads(cli("assign", trial, *DESIGN, "--json").out)
    assert "S00" not in {a["transcript"] for a in plan["assignments"]}
    bad = cli("assign", trial, "--coders", "a,b", "--stratify", "room", "--covert")
    assert bad.code == 2 and "stratify" in bad.err
