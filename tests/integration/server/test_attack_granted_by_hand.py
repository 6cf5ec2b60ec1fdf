"""Attack suite: a privilege on coders' rows granted to a coder's login by hand.

Server mode gives a coder's login no privilege on the tables whose rows belong to coders
(codes, memos, completions, assignments, the audit log, the coder list, session measures): she
reads and writes her own rows through the study's functions. An admin who grants one by hand
(``GRANT SELECT ON codes TO coder_ana``, directly or through another role) opens other coders'
work to her plain SQL. SocialCoder then refuses to open the study as that login, with one
message that names the coder, the tables and what the admin should do, instead of working on
in a half-lead mode (with SELECT on ``codes`` the login is no longer taken for a coder's, and
the first list failed on "permission denied for table coders") or coding on as if blind. The
other logins are not affected, and once the privilege is revoked she opens the study again."""

from __future__ import annotations

import pytest

from socialcoder.cli import main as cli_main
from socialcoder.errors import StudyError
from socialcoder.services.coding import set_code
from socialcoder.services.settings import set_setting
from socialcoder.services.study import open_study
from socialcoder.services.transcript_list import list_transcripts


@pytest.fixture
def lab(make_lab):
    lab = make_lab()
    with open_study(lab.url("lead")) as lead:
        set_setting(lead, "blinding", "on")
    with open_study(lab.url("ben")) as ben:
        first = list_transcripts(ben)[0]
        set_code(ben, coder="ben", transcript=first.name, segment=None,
                 dimension="goal_agreement", value="6")  # fmt: skip
    return lab


GRANTS = [
    ("SELECT", "codes"),  # reads every coder's codes; no longer in coder mode
    ("UPDATE", "codes"),  # still in coder mode: could overwrite others' codes unseen
    ("SELECT", "segment_memos"),
    ("INSERT", "completions"),
    ("DELETE", "assignments"),
    ("SELECT", "coders"),
    ("TRUNCATE", "audit_log"),
]


def _refused(lab, tables: list[str]) -> None:
    with pytest.raises(StudyError) as refused:
        open_study(lab.url("ana"))
    message = str(refused.value)
    assert "belongs to coder 'ana'" in message, message
    for table in tables:
        assert table in message, message
    assert "server setup" in message and "REVOKE" in message


@pytest.mark.parametrize(("privilege", "table"), GRANTS)
def test_a_coder_login_with_a_hand_granted_privilege_is_refused(lab, privilege, table, capsys):
    login = lab.login("ana")
    lab.sql("admin", f'GRANT {privilege} ON {table} TO "{login}"')
    _refused(lab, [table])
    assert cli_main(["transcripts", lab.url("ana")]) == 2  # the CLI: one line, no trace
    err = capsys.readouterr().err
    assert "belongs to coder 'ana'" in err and "Traceback" not in err
    for who in ("ben", "lead"):  # nobody else is affected
        with open_study(lab.url(who)) as study:
            assert list_transcripts(study)
    lab.sql("admin", f'REVOKE {privilege} ON {table} FROM "{login}"')
    with open_study(lab.url("ana")) as ana:  # revoked: she codes again, blind
        assert ana.login_coder == "ana"
        assert all(s.masked for s in list_transcripts(ana))


def test_a_privilege_through_another_role_is_refused_too(lab):
    helper = lab.made.login("readers")
    lab.sql("admin", f'CREATE ROLE "{helper}" NOLOGIN')
    lab.sql("admin", f'GRANT SELECT ON codes, segment_memos TO "{helper}"')
    lab.sql("admin", f'GRANT "{helper}" TO "{lab.login("ana")}"')
    _refused(lab, ["codes", "segment_memos"])
    lab.sql("admin", f'REVOKE "{helper}" FROM "{lab.login("ana")}"')
    with open_study(lab.url("ana")) as ana:
        assert ana.login_coder == "ana"


def test_a_member_of_the_coder_group_linked_to_no_coder_is_not_taken_for_one(lab):
    """A role put into the study's coder group by hand, linked to no coder, with SELECT on
    codes: no coder's work is hers to expose (sc_me() refuses her), so the check passes by
    without spoiling the transaction it runs in; she is not a coder's login."""
    from socialcoder.services.server import study_groups

    stray = lab.made.login("stray")
    lab.sql("admin", f'CREATE ROLE "{stray}" LOGIN')
    lab.sql("admin", f'GRANT "{study_groups(lab.database).coder}" TO "{stray}"')
    lab.sql("admin", f'GRANT SELECT ON codes TO "{stray}"')
    with open_study(lab.made.url_as(lab.admin, stray)) as study:
        assert study.login_coder is None
