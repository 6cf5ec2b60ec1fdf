"""Several processes coding the same study at once, on SQLite (WAL, BEGIN IMMEDIATE, busy
timeout) and on PostgreSQL: afterwards every code and every audit entry is there, and the
audit log of each unit is an unbroken chain (each entry's old value is the previous new one),
so no write was lost or overwritten unseen."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from socialcoder.services.coders import add_coders
from socialcoder.services.study import open_study
from socialcoder.services.transcript_list import list_transcripts
from socialcoder.services.transcript_view import show_transcript
from socialcoder.storage.models import AuditRow, CodeRow, CoderRow, DimensionRow, SegmentRow

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
WORKER = HERE / "coding_worker.py"
SEGMENT_DIMS = {"concordance": ("1", "0"), "incongruent_principles": ("0", "1"),
                "resistance": ("mild", "strong")}  # fmt: skip

Job = tuple[str, str, int, str, str]

pytestmark = pytest.mark.slow


def _units(target: str) -> list[tuple[str, int, str]]:
    """Every (transcript, patient segment, segment-level dimension) of the study."""
    with open_study(target) as study:
        out = []
        for t in list_transcripts(study):
            for seg in show_transcript(study, t.name).segments:
                if seg.role == "patient":
                    out.extend((t.name, seg.index, dim) for dim in SEGMENT_DIMS)
    return out


def _run_workers(target: str, jobs_per_process: list[list[Job]], tmp_path: Path) -> None:
    start = tmp_path / "start"
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    procs = []
    for i, jobs in enumerate(jobs_per_process):
        jobs_file = tmp_path / f"jobs{i}.json"
        jobs_file.write_text(json.dumps(jobs), encoding="utf-8")
        procs.append(
            subprocess.Popen(
                [sys.executable, str(WORKER), target, str(jobs_file), str(start)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
        )
    start.touch()
    results = [p.communicate(timeout=600) for p in procs]
    for p, (_out, err) in zip(procs, results, strict=True):
        assert p.returncode == 0, err
    assert [int(out) for out, _ in results] == [len(j) for j in jobs_per_process]


def _state(target: str) -> tuple[dict[tuple[str, str, int, str], str], list[tuple]]:
    """(coder, transcript, segment, dimension) -> value, and the audit log in id order."""
    with open_study(target) as study, study.read() as s:
        rows = s.execute(
            select(CoderRow.name, SegmentRow.transcript_id, SegmentRow.idx, DimensionRow.key,
                   CodeRow.value)
            .join(CoderRow, CoderRow.id == CodeRow.coder_id)
            .join(SegmentRow, SegmentRow.id == CodeRow.segment_id)
            .join(DimensionRow, DimensionRow.id == CodeRow.dimension_id)
        ).all()  # fmt: skip
        names = {t.id: t.name for t in list_transcripts(study)}
        codes = {(c, names[t], i, d): v for c, t, i, d, v in rows}
        audit = s.execute(
            select(CoderRow.name, AuditRow.transcript_id, AuditRow.segment_idx,
                   AuditRow.dimension_key, AuditRow.action, AuditRow.old_value,
                   AuditRow.new_value)
            .join(CoderRow, CoderRow.id == AuditRow.coder_id)
            .order_by(AuditRow.id)
        ).all()  # fmt: skip
    return codes, [(c, names[t], i, d, a, o, n) for c, t, i, d, a, o, n in audit]


def _assert_chains(audit: list[tuple], codes: dict) -> None:
    """Per unit, the audit entries chain from nothing to the value now stored."""
    last: dict[tuple, str | None] = {}
    for coder, transcript, idx, dim, action, old, new in audit:
        assert action == "set"
        unit = (coder, transcript, idx, dim)
        assert old == last.get(unit), f"audit chain broken at {unit}"
        last[unit] = new
    assert last == codes


def test_four_coders_code_the_same_transcripts_at_once(shared_study: str, tmp_path: Path):
    coders = ["ana", "ben", "cara", "dev"]
    with open_study(shared_study) as study:
        add_coders(study, coders)
    units = _units(shared_study)
    assert len(units) >= 250
    jobs: list[list[Job]] = []
    expected: dict[tuple[str, str, int, str], str] = {}
    for n, coder in enumerate(coders):
        mine = units[n * 7 :] + units[: n * 7]  # each coder starts elsewhere: more overlap
        first = [(coder, t, i, d, SEGMENT_DIMS[d][0]) for t, i, d in mine]
        second = [(coder, t, i, d, SEGMENT_DIMS[d][1]) for t, i, d in mine[: 500 - len(first)]]
        jobs.append(first + second)
        for c, t, i, d, v in first + second:
            expected[(c, t, i, d)] = v
    assert all(len(j) == 500 for j in jobs)

    _run_workers(shared_study, jobs, tmp_path)

    codes, audit = _state(shared_study)
    assert codes == expected
    assert Counter(entry[0] for entry in audit) == dict.fromkeys(coders, 500)
    _assert_chains(audit, codes)


def test_two_processes_code_for_the_same_coder_on_different_segments(
    shared_study: str, tmp_path: Path
):
    with open_study(shared_study) as study:
        add_coders(study, ["ana"])
    units = _units(shared_study)
    even = [("ana", t, i, d, SEGMENT_DIMS[d][0]) for t, i, d in units if i % 2 == 0]
    odd = [("ana", t, i, d, SEGMENT_DIMS[d][1]) for t, i, d in units if i % 2 == 1]

    _run_workers(shared_study, [even, odd], tmp_path)

    codes, audit = _state(shared_study)
    assert codes == {(c, t, i, d): v for c, t, i, d, v in even + odd}
    assert len(audit) == len(units)
    _assert_chains(audit, codes)


def test_two_processes_racing_on_the_same_units_lose_nothing(shared_study: str, tmp_path: Path):
    """Both processes set the same coder's same units (to different values), first inserts
    colliding: one code per unit survives, and the audit log records every change in order."""
    with open_study(shared_study) as study:
        add_coders(study, ["ana"])
    units = [u for u in _units(shared_study) if u[2] == "concordance"][:120]
    ones = [("ana", t, i, d, "1") for t, i, d in units]
    zeros = [("ana", t, i, d, "0") for t, i, d in units]

    _run_workers(shared_study, [ones, zeros], tmp_path)

    codes, audit = _state(shared_study)
    assert set(codes) == {("ana", t, i, d) for t, i, d in units}
    assert set(codes.values()) <= {"0", "1"}
    assert len(audit) >= len(units)  # at least the first set of every unit
    _assert_chains(audit, codes)


def test_coders_logins_racing_through_the_functions_lose_nothing(make_lab, tmp_path: Path):
    """Server mode: two processes as ana's login race on the same units (first inserts
    colliding inside the study's function, retried), while ben's login codes the same units;
    the database writes every audit entry, in order, with each login as actor."""
    lab = make_lab(leads=())
    units = [u for u in _units(lab.url("admin")) if u[2] == "concordance"][:80]
    ana_ones = [("ana", t, i, d, "1") for t, i, d in units]
    ana_zeros = [("ana", t, i, d, "0") for t, i, d in units]
    ben = [("ben", t, i, d, "1") for t, i, d in units]
    start = tmp_path / "start"
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    procs = []
    for n, (who, jobs) in enumerate((("ana", ana_ones), ("ana", ana_zeros), ("ben", ben))):
        jobs_file = tmp_path / f"jobs{n}.json"
        jobs_file.write_text(json.dumps(jobs), encoding="utf-8")
        procs.append(subprocess.Popen(
            [sys.executable, str(WORKER), lab.url(who), str(jobs_file), str(start)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        ))  # fmt: skip
    start.touch()
    for p in procs:
        _out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
    codes, audit = _state(lab.url("admin"))
    assert {k for k in codes if k[0] == "ben"} == {("ben", t, i, d) for t, i, d in units}
    assert {k for k in codes if k[0] == "ana"} == {("ana", t, i, d) for t, i, d in units}
    _assert_chains(audit, codes)
    actors = dict(lab.sql("admin", "SELECT c.name, array_agg(DISTINCT a.actor) FROM audit_log a "
                                   "JOIN coders c ON c.id = a.coder_id GROUP BY c.name"))  # fmt: skip
    assert actors == {"ana": [lab.login("ana")], "ben": [lab.login("ben")]}
