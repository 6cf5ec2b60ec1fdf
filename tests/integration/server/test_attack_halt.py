"""Attack suite, issue #20 item 6: a coder cannot halt the study.

She cannot lock a table others write, fill the audit log's or the codes' id range ahead of the
sequence, or take every connection; a transaction she leaves open holds only her own rows, and
the study's logins carry a lock timeout and an idle-in-transaction timeout."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from socialcoder.services.coding import set_code
from socialcoder.services.consensus import adjudicate
from socialcoder.services.server import ROLE_SETTINGS
from socialcoder.services.server_logins import CODER_CONNECTION_LIMIT
from socialcoder.services.study import open_study

T = "P01_session02"


@pytest.mark.parametrize(
    "statement",
    [
        "LOCK TABLE codes IN ACCESS EXCLUSIVE MODE",
        "LOCK TABLE audit_log IN ACCESS EXCLUSIVE MODE",
        "LOCK TABLE completions IN SHARE MODE",
        "LOCK TABLE segments IN ACCESS EXCLUSIVE MODE",
        "LOCK TABLE transcripts IN EXCLUSIVE MODE",
        "INSERT INTO audit_log (id, at, actor, action, coder_id) "
        "SELECT g, now(), 'x', 'set', 2 FROM generate_series(1, 100000) g",
        "INSERT INTO codes (id, coder_id, transcript_id, dimension_id, dim_enumerated, unit_role, "
        "value, codebook_version_id, created_at, updated_at) VALUES (1000000, 2, 1, 4, true, "
        "'session', '5', 1, now(), now())",
        "SELECT nextval('audit_log_id_seq')",
        "SELECT setval('codes_id_seq', 1)",
        "SELECT pg_advisory_lock_shared(1), pg_terminate_backend(pid) FROM pg_stat_activity",
    ],
)
def test_a_coder_cannot_lock_or_jam_what_others_write(make_lab, statement):
    lab = make_lab(leads=())
    with pytest.raises(DBAPIError, match="permission denied"):
        lab.sql("ana", statement)


def test_the_study_logins_carry_timeouts(make_lab):
    lab = make_lab()
    shown = {"10s": "10s", "60s": "1min"}
    for who in ("ana", "lead"):
        got = lab.sql(who, "SELECT current_setting('lock_timeout'), "
                           "current_setting('idle_in_transaction_session_timeout')")[0]  # fmt: skip
        assert got == tuple(shown[v] for v in ROLE_SETTINGS.values()), who


def test_a_transaction_a_coder_leaves_open_holds_up_nobody(make_lab):
    lab = make_lab()
    tid = lab.sql("ana", "SELECT id FROM sc_transcripts() WHERE name = :t", t=T)[0][0]
    seg = lab.sql("ana", "SELECT id FROM segments WHERE transcript_id = :t AND idx = 2", t=tid)[0][
        0
    ]
    engine = create_engine(lab.url("ana"))
    try:
        with engine.connect() as ana:  # BEGIN; write; ...and go for lunch
            ana.execute(text("LOCK TABLE segments, dimensions IN ACCESS SHARE MODE"))
            ana.execute(text("SELECT id FROM transcripts"))  # her columns; the lock stays
            ana.execute(text("SELECT * FROM sc_set_code(:t, :s, 1, '1', NULL, true)"),
                        {"t": tid, "s": seg})  # fmt: skip
            ana.execute(text("SELECT * FROM sc_set_completed(:t, true)"), {"t": tid})
            begun = time.monotonic()
            with open_study(lab.url("ben")) as ben:
                for value in ("1", "0"):
                    set_code(ben, coder="ben", transcript=T, segment=2,
                             dimension="concordance", value=value)  # fmt: skip
            with open_study(lab.url("lead")) as lead:
                adjudicate(lead, transcript=T, segment=2, dimension="concordance", value="1",
                           reason="while ana's transaction is open")  # fmt: skip
            assert time.monotonic() - begun < 8  # well below the 10 s lock timeout
            ana.rollback()
    finally:
        engine.dispose()


def test_a_coder_cannot_take_every_connection(make_lab):
    lab = make_lab(coders=("ana",), leads=())
    engine = create_engine(lab.url("ana"), pool_size=CODER_CONNECTION_LIMIT + 1, max_overflow=0)
    held = []
    try:
        for _ in range(CODER_CONNECTION_LIMIT):
            held.append(engine.connect())
        with pytest.raises(DBAPIError, match="too many connections for role"):
            held.append(engine.connect())
    finally:
        for connection in held:
            connection.close()
        engine.dispose()
