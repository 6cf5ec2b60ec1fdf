"""Attack suite, issue #20 items 7 and 8: logins.

``add-coder`` links only ordinary roles (no role that could read or write around the study's
functions: superuser, BYPASSRLS, CREATEROLE, the table owner, predefined roles such as
pg_read_all_data, a lead anywhere, a role holding privileges on the coders' tables), says so
when the coder already has a login, and checks login names whole (a trailing newline is no
name). Setup refuses a coder's login that has become privileged since. Passwords reach the
server only as a SCRAM verifier: with ``log_statement = ddl`` the server log holds no password."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import re
import sys
import uuid

import pytest

from socialcoder.cli import main as cli_main
from socialcoder.errors import StudyError
from socialcoder.services.server import setup_server, study_groups
from socialcoder.services.server_logins import add_coder_login, add_lead_login


def _role(lab, name: str, attributes: str = "") -> str:
    lab.sql("admin", f'CREATE ROLE "{name}" LOGIN {attributes}')
    return name


@pytest.mark.parametrize(
    ("attributes", "grant", "why"),
    [
        ("SUPERUSER", None, "has SUPERUSER"),
        ("BYPASSRLS", None, "has BYPASSRLS"),
        ("CREATEROLE", None, "has CREATEROLE"),
        ("CREATEDB", None, "has CREATEDB"),
        ("REPLICATION", None, "has REPLICATION"),
        ("", "GRANT pg_read_all_data TO {r}", "is a member of pg_read_all_data"),
        ("", "GRANT pg_read_server_files TO {r}", "is a member of pg_read_server_files"),
        ("", "GRANT pg_monitor TO {r}", "is a member of pg_monitor"),
        ("", "GRANT {owner} TO {r}", "is (or acts as) the study's owner"),
        ("", "GRANT SELECT ON codes TO {r}", "holds privileges on codes"),
        ("", "GRANT INSERT ON audit_log TO {r}", "holds privileges on audit_log"),
    ],
)
def test_add_coder_refuses_a_privileged_role(make_lab, pg_database, attributes, grant, why):
    lab = make_lab(coders=(), leads=())
    login = _role(lab, pg_database.login("priv"), attributes)
    if grant:
        lab.sql("admin", grant.format(r=f'"{login}"', owner=f'"{lab.owner}"'))
    with pytest.raises(StudyError, match=f"cannot be a coder's login: it {re.escape(why)}"):
        add_coder_login(lab.url("admin"), "ana", login)
    assert lab.sql("admin", "SELECT count(*) FROM coders WHERE name = 'ana'") == [(0,)]


def test_add_coder_refuses_the_owner_a_lead_and_a_group(make_lab):
    lab = make_lab(coders=(), leads=("lead",))
    with pytest.raises(StudyError, match=r"is .or acts as. the study's owner"):
        add_coder_login(lab.url("admin"), "ana", lab.owner)
    with pytest.raises(StudyError, match="is a lead's login"):
        add_coder_login(lab.url("admin"), "ana", lab.login("lead"))
    group = study_groups(lab.database).coder
    with pytest.raises(StudyError, match="one of SocialCoder's group roles"):
        add_coder_login(lab.url("admin"), "ana", group)
    with pytest.raises(StudyError, match=r"is .or acts as. the study's owner"):
        add_lead_login(lab.url("admin"), lab.owner)


def test_add_coder_says_so_when_the_coder_already_has_a_login(make_lab, pg_database):
    lab = make_lab(coders=("ana",), leads=())
    other = pg_database.login("c_ana2")
    with pytest.raises(StudyError, match=f"coder 'ana' already has the login "
                                         f"'{lab.login('ana')}', which must be taken away first"):  # fmt: skip
        add_coder_login(lab.url("admin"), "ana", other)
    assert lab.sql("admin", "SELECT count(*) FROM pg_roles WHERE rolname = :r", r=other) == [(0,)]
    assert lab.sql("admin", "SELECT db_role FROM coders WHERE name = 'ana'") == [
        (lab.login("ana"),)
    ]
    with pytest.raises(StudyError, match="already belongs to coder 'ana'"):
        add_coder_login(lab.url("admin"), "ben", lab.login("ana"))
    again = add_coder_login(lab.url("admin"), "ana", lab.login("ana"))  # the same: fine
    assert again.already and not again.created_role


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("coder_ana\n", "not a usable login name"),
        ("Coder_Ana", "not a usable login name"),
        ("ana-b", "not a usable login name"),
        ("1ana", "not a usable login name"),
        ("a" * 64, "not a usable login name"),
        ("", "not a usable login name"),
        ("public", "is reserved"),
        ("none", "is reserved"),
        ("current_user", "is reserved"),
        ("current_role", "is reserved"),
        ("current_anything", "is reserved"),
        ("session_user", "is reserved"),
        ("user", "is reserved"),
        ("pg_signal_backend", "is reserved"),
        ("socialcoder_coder", "is reserved"),
    ],
)
def test_login_names_are_checked_whole(make_lab, name, message):
    lab = make_lab(coders=(), leads=())
    for attempt in (lambda: add_coder_login(lab.url("admin"), "ana", name),
                    lambda: add_lead_login(lab.url("admin"), name)):  # fmt: skip
        with pytest.raises(StudyError, match=message):
            attempt()


def test_a_trailing_newline_in_a_login_is_refused_on_the_command_line(make_lab, capsys):
    lab = make_lab(coders=(), leads=())
    code = cli_main(["server", "add-coder", lab.url("admin"), "ana", "--login", "coder_ana\n"])
    assert code == 2
    assert "'coder_ana\\n' is not a usable login name" in capsys.readouterr().err


def test_setup_refuses_a_coder_login_that_became_privileged(make_lab):
    lab = make_lab(coders=("ana", "ben"), leads=())
    lab.sql("admin", f'ALTER ROLE "{lab.login("ben")}" BYPASSRLS')
    with pytest.raises(StudyError, match=f"coder login '{lab.login('ben')}' has BYPASSRLS"):
        setup_server(lab.url("admin"))


def _server_log(lab) -> tuple[str, int]:
    """(path, size) of the server's log as the superuser reads it, or skip."""
    path = lab.sql("admin", "SELECT pg_current_logfile()")[0][0] or "/proc/self/fd/2"
    try:
        size = lab.sql("admin", "SELECT (pg_stat_file(:p)).size", p=path)[0][0]
    except Exception:
        pytest.skip("the server log is not readable through pg_read_file")
    return path, int(size)


def _scram_matches(verifier: str, password: str) -> bool:
    """Check a stored SCRAM-SHA-256 verifier against a password (RFC 5802/7677)."""
    method, rest = verifier.split("$", 1)
    iterations_salt, keys = rest.split("$")
    iterations, salt = iterations_salt.split(":")
    stored_key, _server_key = keys.split(":")
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt),
                                 int(iterations))  # fmt: skip
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    return (
        method == "SCRAM-SHA-256"
        and base64.b64encode(hashlib.sha256(client_key).digest()).decode() == stored_key
    )


def test_passwords_never_reach_the_server_log(make_lab, pg_database, monkeypatch):
    lab = make_lab(coders=(), leads=())
    lab.sql("admin", f"ALTER DATABASE \"{lab.database}\" SET log_statement = 'ddl'")
    path, start = _server_log(lab)
    coder_pw, lead_pw = (f"pw-{uuid.uuid4().hex}-'%" for _ in range(2))
    coder, lead = pg_database.login("c_ana"), pg_database.login("l_lead")
    add_coder_login(lab.url("admin"), "ana", coder, password=coder_pw)
    monkeypatch.setattr(sys, "stdin", io.StringIO(lead_pw + "\n"))
    assert cli_main(["server", "add-lead", lab.url("admin"), "--login", lead,
                     "--password-stdin"]) == 0  # fmt: skip
    _, end = _server_log(lab)
    log = lab.sql("admin", "SELECT pg_read_file(:p, :o, :n)", p=path, o=start, n=end - start)[0][0]
    assert f'ALTER ROLE "{coder}" PASSWORD' in log or f"ALTER ROLE {coder} PASSWORD" in log
    assert "SCRAM-SHA-256$" in log  # what travelled: the verifier
    assert coder_pw not in log and lead_pw not in log
    stored = dict(lab.sql("admin", "SELECT rolname, rolpassword FROM pg_authid WHERE rolname "
                                   "IN (:c, :l)", c=coder, l=lead))  # fmt: skip
    assert _scram_matches(stored[coder], coder_pw) and _scram_matches(stored[lead], lead_pw)
    assert not _scram_matches(stored[coder], lead_pw)
