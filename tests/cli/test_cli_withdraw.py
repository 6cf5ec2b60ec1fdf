"""`socialcoder withdraw STUDY PARTICIPANT`: a participant withdraws consent (sample study:
fictional participants P01, P02, P03)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from socialcoder.services.coding import set_segment_memo
from socialcoder.services.study import open_study
from socialcoder.storage import encryption

P01_TEXT = "doing the diary like you asked"  # P01's second turn (fictional sample transcript)
OTHER_TEXT = "How have things been since last time?"  # P02's first turn


def _rows(raw_connect, study: Path, sql: str) -> list[tuple[object, ...]]:
    conn = raw_connect(study)
    try:
        return sorted(conn.execute(sql).fetchall(), key=repr)
    finally:
        conn.close()


def _not_p01(raw_connect, study: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the other participants' data."""
    p01 = "(SELECT id FROM transcripts WHERE participant = 'P01')"
    queries = {
        "transcripts": "SELECT * FROM transcripts WHERE participant != 'P01'",
        "segments": f"SELECT * FROM segments WHERE transcript_id NOT IN {p01}",
        "codes": f"SELECT * FROM codes WHERE transcript_id NOT IN {p01}",
        "completions": f"SELECT * FROM completions WHERE transcript_id NOT IN {p01}",
        "audit": f"SELECT * FROM audit_log WHERE transcript_id NOT IN {p01}",
        "measures": "SELECT * FROM session_measures WHERE participant != 'P01'",
    }
    return {name: _rows(raw_connect, study, sql) for name, sql in queries.items()}


def test_withdraw_removes_everything_of_the_participant(
    cli, sample_study: Path, tmp_path: Path, dump, raw_connect
) -> None:
    measures = tmp_path / "measures.csv"
    measures.write_text("participant,session,calpas_total\nP01,2,4.2\nP02,4,3.8\n", "utf-8")
    assert cli("measures", "import", sample_study, measures).code == 0
    with open_study(sample_study) as s:
        set_segment_memo(s, coder="ana", transcript="P01_session02", segment=2, text="diary")
    export = tmp_path / "before.csv"
    assert cli("export", sample_study, export, "--with-text").code == 0
    p01 = "(SELECT id FROM transcripts WHERE participant = 'P01')"
    assert _rows(
        raw_connect, sample_study, f"SELECT id FROM audit_log WHERE transcript_id IN {p01}"
    )
    others = _not_p01(raw_connect, sample_study)
    before = dump(sample_study)

    dry = cli("withdraw", sample_study, "P01", "--dry-run", "--json")
    assert dry.code == 0, dry.err
    assert dump(sample_study) == before
    planned = json.loads(dry.out)
    assert planned["dry_run"] is True and planned["removed"]["transcripts"] == 1
    assert planned["removed"]["measures"] == 1 and planned["removed"]["memos"] == 1

    done = cli("withdraw", sample_study, "P01")
    assert done.code == 0, done.err
    assert "Removed participant P01: 1 transcripts" in done.out
    assert str(export.resolve()) in done.out  # the export made before is listed
    assert "retraining" in done.out
    left = {
        "transcripts": "SELECT id FROM transcripts WHERE participant = 'P01'",
        "P01's text": f"SELECT id FROM segments WHERE text LIKE '%{P01_TEXT}%'",
        "memos": "SELECT id FROM segment_memos",  # ana's only memo was on P01's turn
        "measures": "SELECT * FROM session_measures WHERE participant = 'P01'",
        "audit": "SELECT id FROM audit_log WHERE transcript_id NOT IN (SELECT id FROM transcripts)",
        "redactions": "SELECT * FROM audit_redactions",
        **{
            table: f"SELECT * FROM {table} WHERE transcript_id NOT IN (SELECT id FROM transcripts)"
            for table in ("segments", "codes", "completions", "assignments")
        },
    }
    for what, sql in left.items():
        assert not _rows(raw_connect, sample_study, sql), what
    assert _not_p01(raw_connect, sample_study) == others  # nobody else's data changed
    # what stays of it: that a withdrawal happened, with counts only
    events = json.loads(cli("audit", sample_study, "--json").out)["events"]
    withdrawn = [e for e in events if e["kind"] == "withdrawn"]
    assert len(withdrawn) == 1 and "P01" not in json.dumps(withdrawn)
    assert withdrawn[0]["detail"]["removed"]["transcripts"] == 1
    # the file keeps no page with the removed text (a plain file's bytes are readable)
    data = b"".join(p.read_bytes() for p in sample_study.parent.glob(sample_study.name + "*"))
    if not encryption.is_encrypted(sample_study):
        assert P01_TEXT.encode() not in data and OTHER_TEXT.encode() in data
    # the audit log stays append-only for everything else
    conn = raw_connect(sample_study)
    with pytest.raises(Exception, match="append-only"):
        conn.execute("DELETE FROM audit_log")
    conn.close()


def test_withdraw_unknown_participant_changes_nothing(cli, sample_study: Path, dump) -> None:
    before = dump(sample_study)
    result = cli("withdraw", sample_study, "p01")  # ids are matched exactly
    assert result.code == 2 and "no transcripts or measures of participant 'p01'" in result.err
    assert dump(sample_study) == before
