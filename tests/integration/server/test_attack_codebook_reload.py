"""Attack suite: a blinded coder across a codebook update on the server.

Blinding is on and both coders have coded (ben: codes, a memo, a completed transcript). The
lead records a new codebook version, as her own login, with SocialCoder's service or the CLI's
``codebook update``: every kind of change that is allowed (a dimension added or removed, a
value added, renamed, removed or moved, a definition reworded). Afterwards the coder ('ana',
her own login, with plain SQL and with SocialCoder) still cannot read another coder's codes,
memos or completions (those made under the new version and for the new dimension included) nor
the identifying columns of ``transcripts``; ``sc_transcripts()`` still masks; she codes the
new version, the new dimension included, under her own name only. The update creates no
database object and changes no privilege: the catalogue's privileges (tables, columns,
sequences, functions, policies) and what the coder's login may do with every object are the
same before and after. A coder cannot update the codebook herself (refused, nothing changed).
And the reverse order: blinding turned on after a codebook update closes the same doors."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.exc import DBAPIError

from socialcoder.cli import main as cli_main
from socialcoder.codebooks import codebook_to_dict, load_default_codebook
from socialcoder.errors import CodebookError, StudyError
from socialcoder.services.changes import StudyWatch
from socialcoder.services.codebook_update import update_codebook
from socialcoder.services.coding import set_code, set_completed, set_segment_memo
from socialcoder.services.settings import set_setting
from socialcoder.services.study import open_study
from socialcoder.services.study_change import ChangeKind
from socialcoder.services.transcript_list import list_transcripts
from socialcoder.services.transcript_view import show_transcript

T = "P01_session02"
SECRET = ("codes", "segment_memos", "completions", "assignments", "audit_log", "coders",
          "session_measures")  # fmt: skip
HIDDEN = ("name", "participant", "therapist", "session_number", "session_date",
          "source_name", "preamble", "imported_at", "content_hash")  # fmt: skip
CODEBOOK_TABLES = ("codebook_versions", "dimensions", "dimension_values", "dimension_roles")
RAPPORT = {"key": "rapport", "label": "Rapport", "scale": "ordinal", "unit": "segment",
           "values": ["low", "high"], "applies_to": ["patient"], "shortcut": "q",
           "definition": "How warm the patient is towards the therapist in this turn."}  # fmt: skip


# --- the codebook versions a lead may record (each: the change and a code it makes possible) --


def _dim(data: dict[str, Any], key: str) -> dict[str, Any]:
    return next(d for d in data["dimensions"] if d["key"] == key)


def _values(data: dict[str, Any], key: str, values: list[str]) -> None:
    dim = _dim(data, key)
    old = {str(v["value"] if isinstance(v, dict) else v): v for v in dim["values"]}
    dim["values"] = [old.get(v, {"value": v, "label": v.capitalize()}) for v in values]


def _added_dimension(data: dict[str, Any]) -> None:
    data["dimensions"].append(copy.deepcopy(RAPPORT))


def _added_value(data: dict[str, Any]) -> None:
    _values(data, "resistance", ["none", "mild", "strong", "extreme"])


def _renamed_value(data: dict[str, Any]) -> None:  # 'strong' has no code: it may go
    _values(data, "resistance", ["none", "mild", "severe"])


def _removed_value(data: dict[str, Any]) -> None:
    _values(data, "resistance", ["none", "mild"])


def _moved_values(data: dict[str, Any]) -> None:  # needs allow_reorder / --allow-reorder
    _values(data, "resistance", ["strong", "mild", "none"])


def _removed_dimension(data: dict[str, Any]) -> None:  # nobody coded it
    data["dimensions"] = [d for d in data["dimensions"] if d["key"] != "incongruent_principles"]


def _changed_definition(data: dict[str, Any]) -> None:
    _dim(data, "concordance")["definition"] = "Agreement with the model, reworded for 2.0."


#: name -> (change, dimension and value that a code under the new version may take)
CHANGES = {
    "added_dimension": (_added_dimension, "rapport", "high"),
    "added_value": (_added_value, "resistance", "extreme"),
    "renamed_value": (_renamed_value, "resistance", "severe"),
    "removed_value": (_removed_value, "resistance", "none"),
    "moved_values": (_moved_values, "resistance", "strong"),
    "removed_dimension": (_removed_dimension, "concordance", "0"),
    "changed_definition": (_changed_definition, "concordance", "0"),
}


def _codebook(tmp_path: Path, change: str) -> Path:
    data = codebook_to_dict(load_default_codebook())
    data["version"] = f"2.0-{change}"
    CHANGES[change][0](data)
    path = tmp_path / f"{change}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _update(lab, who: str, path: Path, via: str, capsys) -> None:
    """The codebook update as ``who``'s login: SocialCoder's service or the CLI command."""
    if via == "service":
        with open_study(lab.url(who)) as study:
            update_codebook(study, path, allow_reorder=True)
        return
    capsys.readouterr()
    code = cli_main(["codebook", "update", lab.url(who), str(path), "--allow-reorder"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "Codebook updated from version 1.1 to 2.0-" in out.out


# --- what the coder's login may do, and the privileges of every object ------------------------

_OBJECTS = {
    "relations": "SELECT c.relkind::text, c.relname::text, c.relacl::text, c.relrowsecurity, "
    "pg_get_userbyid(c.relowner) FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace",
    "columns": "SELECT c.relname::text, a.attname::text, a.attacl::text FROM pg_attribute a "
    "JOIN pg_class c ON c.oid = a.attrelid WHERE c.relnamespace = 'public'::regnamespace "
    "AND a.attacl IS NOT NULL",
    "functions": "SELECT p.oid::regprocedure::text, p.proacl::text, p.prosecdef, "
    "pg_get_userbyid(p.proowner), p.proconfig::text FROM pg_proc p "
    "WHERE p.pronamespace = 'public'::regnamespace",
    "table_grants": "SELECT grantee::text, table_name::text, privilege_type::text "
    "FROM information_schema.table_privileges WHERE table_schema = 'public'",
    "column_grants": "SELECT grantee::text, table_name::text, column_name::text, "
    "privilege_type::text FROM information_schema.column_privileges WHERE table_schema = 'public'",
    "routine_grants": "SELECT grantee::text, specific_name::text, privilege_type::text "
    "FROM information_schema.routine_privileges WHERE routine_schema = 'public'",
    "usage_grants": "SELECT grantee::text, object_name::text, object_type::text, "
    "privilege_type::text FROM information_schema.usage_privileges WHERE object_schema = 'public'",
    "policies": "SELECT tablename::text, policyname::text, roles::text, cmd::text, qual, "
    "with_check FROM pg_policies WHERE schemaname = 'public'",
    "triggers": "SELECT tgrelid::regclass::text, tgname::text, tgfoid::regprocedure::text "
    "FROM pg_trigger WHERE NOT tgisinternal",
    "defaults": "SELECT defaclrole::regrole::text, defaclobjtype::text, defaclacl::text "
    "FROM pg_default_acl",
}
_TABLE_RIGHTS = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
_CAN = {
    # what the login itself may do with every relation, column, sequence and function
    # (through PUBLIC, its group or a grant of its own), asked of the server
    "relations": "SELECT c.relname::text, r.p FROM pg_class c, unnest(CAST(:rights AS text[])) "
    "r(p) WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'v', 'm', 'p', "
    "'f') AND has_table_privilege(:login, c.oid, r.p)",
    "columns": "SELECT c.relname::text, a.attname::text FROM pg_class c JOIN pg_attribute a ON "
    "a.attrelid = c.oid WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', "
    "'v', 'm', 'p', 'f') AND a.attnum > 0 AND NOT a.attisdropped "
    "AND has_column_privilege(:login, c.oid, a.attnum, 'SELECT')",
    "sequences": "SELECT c.relname::text, r.p FROM pg_class c, unnest(ARRAY['USAGE', 'SELECT', "
    "'UPDATE']) r(p) WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'S' "
    "AND has_sequence_privilege(:login, c.oid, r.p)",
    "functions": "SELECT p.oid::regprocedure::text FROM pg_proc p WHERE p.pronamespace = "
    "'public'::regnamespace AND has_function_privilege(:login, p.oid, 'EXECUTE')",
}


def privileges(lab) -> dict[str, list[tuple[object, ...]]]:
    """Every privilege in the study's schema, and what ana's login may do there (as the admin
    sees them, sorted)."""
    out = {name: sorted(lab.sql("admin", sql), key=repr) for name, sql in _OBJECTS.items()}
    for name, sql in _CAN.items():
        rows = lab.sql("admin", sql, login=lab.login("ana"), rights=list(_TABLE_RIGHTS))
        out[f"ana may: {name}"] = sorted(rows, key=repr)
    return out


def _changed(before: dict[str, list[tuple[object, ...]]], after: dict[str, Any]) -> dict[str, Any]:
    return {
        name: {
            "new": sorted(set(after[name]) - set(before[name]), key=repr),
            "gone": sorted(set(before[name]) - set(after[name]), key=repr),
        }
        for name in before
        if before[name] != after[name]
    }


def _denied(lab, statement: str, **params: object) -> None:
    with pytest.raises(DBAPIError) as refused:
        lab.sql("ana", statement, **params)
    assert "permission denied" in str(refused.value.orig), refused.value.orig


def assert_blind(lab, ana_id: int) -> None:
    """ana's plain SQL: nothing of another coder's, nothing identifying, masked names."""
    for table in SECRET:
        _denied(lab, f"SELECT count(*) FROM {table}")
    for column in HIDDEN:
        _denied(lab, f"SELECT {column} FROM transcripts")
    for call in ("sc_my_codes()", "sc_my_memos()", "sc_my_completions()"):
        assert {r[0] for r in lab.sql("ana", f"SELECT coder_id FROM {call}")} <= {ana_id}
    masked = lab.sql("ana", "SELECT name, label, participant, therapist, session_number, "
                            "session_date, source_name, preamble, imported_at FROM sc_transcripts()")  # fmt: skip
    assert len(masked) == 3
    for name, label, *rest in masked:
        assert name == label and rest == [None, None, None, None, "", "", None]
    assert not ({r[0] for r in masked} & set(lab.names.values()))


# --- the lab ------------------------------------------------------------------------------------


def _lab(make_lab, *, blinding: str):
    lab = make_lab()
    with open_study(lab.url("lead")) as lead:
        set_setting(lead, "blinding", blinding)
        lab.names = {t.label: t.name for t in list_transcripts(lead)}
    lab.label = next(label for label, name in lab.names.items() if name == T)
    lab.tid = lab.sql("admin", "SELECT id FROM transcripts WHERE name = :t", t=T)[0][0]
    lab.ids = dict(lab.sql("admin", "SELECT name, id FROM coders"))
    here = T if blinding == "off" else lab.label
    with open_study(lab.url("ben")) as ben:
        lab.patient = [s.index for s in show_transcript(ben, here).segments
                       if s.role == "patient"]  # fmt: skip
        for i in lab.patient[:5]:
            set_code(ben, coder="ben", transcript=here, segment=i, dimension="concordance",
                     value="1")  # fmt: skip
        set_code(ben, coder="ben", transcript=here, segment=lab.patient[0],
                 dimension="resistance", value="mild", memo="ben's code memo")  # fmt: skip
        set_code(ben, coder="ben", transcript=here, segment=None, dimension="goal_agreement",
                 value="6")  # fmt: skip
        set_segment_memo(ben, coder="ben", transcript=here, segment=lab.patient[1],
                         text="ben's memo")  # fmt: skip
        set_completed(ben, coder="ben", transcript=here)
    with open_study(lab.url("ana")) as ana:
        set_code(ana, coder="ana", transcript=here, segment=lab.patient[0],
                 dimension="concordance", value="0")  # fmt: skip
    return lab


@pytest.fixture
def blinded(make_lab):
    return _lab(make_lab, blinding="on")


def _codes(lab) -> list[tuple[object, ...]]:
    return lab.sql(
        "admin",
        "SELECT c.name, d.key, x.segment_id, x.value, x.codebook_version_id FROM codes x "
        "JOIN coders c ON c.id = x.coder_id JOIN dimensions d ON d.id = x.dimension_id "
        "ORDER BY 1, 2, 3",
    )


def _code_new_version(lab, dimension: str, value: str, version: int) -> None:
    """ben, then ana, code under the new version (ben first on the unit ana codes next); each
    sees her or his own codes only; ana cannot act for ben."""
    unit = lab.patient[3]
    with open_study(lab.url("ben")) as ben:
        set_code(ben, coder="ben", transcript=lab.label, segment=unit, dimension=dimension,
                 value=value)  # fmt: skip
        set_segment_memo(ben, coder="ben", transcript=lab.label, segment=unit,
                         text="ben, new version")  # fmt: skip
    with open_study(lab.url("ana")) as ana:
        view = show_transcript(ana, lab.label, coder="ana")
        assert view.segments[unit - 1].codes == {}  # ben's new code is not hers to see
        assert view.segments[unit - 1].memo in (None, "")
        set_code(ana, coder="ana", transcript=lab.label, segment=unit, dimension=dimension,
                 value=value)  # fmt: skip
        with pytest.raises(StudyError):
            set_code(ana, coder="ben", transcript=lab.label, segment=unit, dimension=dimension,
                     value=value)  # fmt: skip
        shown = show_transcript(ana, lab.label, coder="ana")
        assert shown.segments[unit - 1].codes == {dimension: value}
    rows = [r for r in _codes(lab) if r[1] == dimension and r[2] == lab.seg[unit]]
    assert sorted((r[0], r[3], r[4]) for r in rows) == [("ana", value, version),
                                                        ("ben", value, version)]  # fmt: skip
    mine = lab.sql("ana", "SELECT coder_id, segment_id, dimension_id, value FROM sc_my_codes()")
    assert {r[0] for r in mine} == {lab.ids["ana"]}
    assert (lab.ids["ana"], lab.seg[unit], lab.dims[dimension], value) in mine
    assert lab.sql("ana", "SELECT coder_id, text FROM sc_my_memos()") == []


# --- the attacks -------------------------------------------------------------------------------


@pytest.mark.parametrize("via", ["service", "cli"])
@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_leads_codebook_update_keeps_the_coder_blind(blinded, tmp_path, capsys, change, via):
    lab = blinded
    before = privileges(lab)
    codes_before = _codes(lab)
    assert_blind(lab, lab.ids["ana"])
    _update(lab, "lead", _codebook(tmp_path, change), via, capsys)
    (version,) = lab.sql("admin", "SELECT max(id) FROM codebook_versions")[0]
    assert version == 2 and _codes(lab) == codes_before  # recorded; every code kept
    assert _changed(before, privileges(lab)) == {}  # no new object, no new privilege
    assert_blind(lab, lab.ids["ana"])
    lab.seg = dict(lab.sql("ana", "SELECT idx, id FROM segments WHERE transcript_id = :t",
                           t=lab.tid))  # fmt: skip
    lab.dims = dict(lab.sql("ana", "SELECT key, id FROM dimensions"))
    _, dimension, value = CHANGES[change]
    _code_new_version(lab, dimension, value, version)
    assert_blind(lab, lab.ids["ana"])
    with open_study(lab.url("ana")) as ana:
        assert ana.codebook.version == f"2.0-{change}"
        seen = list_transcripts(ana)
        assert sorted(t.name for t in seen) == sorted(lab.names)
        assert all(t.participant is None and t.session is None and t.masked for t in seen)


def test_a_coder_with_an_open_study_takes_the_new_dimension_on_reload(blinded, tmp_path, capsys):
    """ana's window stays open across the lead's update: her watch (as her login) sees a new
    codebook and nothing of ben's work, her codebook reloads, and her code for the new
    dimension is hers only."""
    lab = blinded
    before = privileges(lab)
    with open_study(lab.url("ana")) as ana:
        watch = StudyWatch(ana, "ana")
        assert "rapport" not in ana.codebook.keys
        _update(lab, "lead", _codebook(tmp_path, "added_dimension"), "service", capsys)
        assert watch.changes().kinds == {ChangeKind.CODEBOOK}
        ana.reload_codebook()
        assert "rapport" in ana.codebook.keys
        with open_study(lab.url("ben")) as ben:
            set_code(ben, coder="ben", transcript=lab.label, segment=lab.patient[2],
                     dimension="rapport", value="high")  # fmt: skip
        assert not watch.changes()  # ben's code under the new version tells her nothing
        watch.close()
        set_code(ana, coder="ana", transcript=lab.label, segment=lab.patient[2],
                 dimension="rapport", value="low")  # fmt: skip
    segment = lab.sql("admin", "SELECT id FROM segments WHERE transcript_id = :t AND idx = :i",
                      t=lab.tid, i=lab.patient[2])[0][0]  # fmt: skip
    assert [r for r in _codes(lab) if r[1] == "rapport"] == [
        ("ana", "rapport", segment, "low", 2),
        ("ben", "rapport", segment, "high", 2),
    ]
    assert lab.sql("ana", "SELECT value FROM sc_my_codes() x JOIN dimensions d "
                          "ON d.id = x.dimension_id WHERE d.key = 'rapport'") == [("low",)]  # fmt: skip
    assert _changed(before, privileges(lab)) == {}
    assert_blind(lab, lab.ids["ana"])


def test_a_coder_cannot_update_the_codebook(blinded, tmp_path, capsys):
    lab = blinded
    path = _codebook(tmp_path, "added_dimension")
    tables = {t: lab.sql("admin", f"SELECT * FROM {t} ORDER BY 1") for t in CODEBOOK_TABLES}
    before = privileges(lab)
    with open_study(lab.url("ana")) as ana, pytest.raises(StudyError, match="a lead's login"):
        update_codebook(ana, path, allow_reorder=True)
    capsys.readouterr()
    assert cli_main(["codebook", "update", lab.url("ana"), str(path)]) == 2
    assert "needs a lead's login: this login belongs to coder 'ana'" in capsys.readouterr().err
    for statement in (
        "INSERT INTO codebook_versions (name, version, source_yaml, sha256, created_at) "
        "VALUES ('x', '9', 'x', 'x', now())",
        "UPDATE codebook_versions SET source_yaml = 'x'",
        "DELETE FROM codebook_versions",
        "INSERT INTO dimensions (key, position, scale, unit, enumerated) "
        "VALUES ('x', 9, 'nominal', 'segment', true)",
        "UPDATE dimensions SET enumerated = false",
        "INSERT INTO dimension_values (dimension_id, value, position) "
        "SELECT id, 'furious', 9 FROM dimensions WHERE key = 'resistance'",
        "DELETE FROM dimension_values",
        "INSERT INTO dimension_roles (dimension_id, role) "
        "SELECT id, 'therapist' FROM dimensions WHERE key = 'concordance'",
        "DELETE FROM dimension_roles",
        *(f"TRUNCATE {t} CASCADE" for t in CODEBOOK_TABLES),
    ):
        _denied(lab, statement)
    assert {t: lab.sql("admin", f"SELECT * FROM {t} ORDER BY 1") for t in CODEBOOK_TABLES} == (
        tables
    )
    assert _changed(before, privileges(lab)) == {}
    assert_blind(lab, lab.ids["ana"])


@pytest.mark.parametrize("via", ["service", "cli"])
def test_blinding_turned_on_after_a_codebook_update(make_lab, tmp_path, capsys, via):
    """The reverse order: the lead updates the codebook, ben codes the new dimension, and only
    then is the study blinded."""
    lab = _lab(make_lab, blinding="off")
    before = privileges(lab)
    _update(lab, "lead", _codebook(tmp_path, "added_dimension"), via, capsys)
    lab.seg = dict(lab.sql("ana", "SELECT idx, id FROM segments WHERE transcript_id = :t",
                           t=lab.tid))  # fmt: skip
    lab.dims = dict(lab.sql("ana", "SELECT key, id FROM dimensions"))
    with open_study(lab.url("ben")) as ben:
        set_code(ben, coder="ben", transcript=T, segment=lab.patient[4], dimension="rapport",
                 value="high")  # fmt: skip
    assert {r[0] for r in lab.sql("ana", "SELECT name FROM sc_transcripts()")} == set(
        lab.names.values()
    )  # not blinded yet: the names are hers to read
    if via == "service":
        with open_study(lab.url("lead")) as lead:
            set_setting(lead, "blinding", "on")
    else:
        assert cli_main(["settings", lab.url("lead"), "blinding", "on"]) == 0
    assert _changed(before, privileges(lab)) == {}
    assert_blind(lab, lab.ids["ana"])
    _code_new_version(lab, "rapport", "low", 2)
    with open_study(lab.url("ana")) as ana:
        assert all(t.masked and t.participant is None for t in list_transcripts(ana))
        with pytest.raises(StudyError, match="no transcript named"):
            show_transcript(ana, T, coder="ana")


def test_a_refused_update_changes_nothing(blinded, tmp_path, capsys):
    """Renaming a value that ben used is refused (it would orphan his code): the study, its
    privileges and the coder's blindness are as before."""
    lab = blinded
    data = codebook_to_dict(load_default_codebook())
    data["version"] = "2.0"
    _values(data, "resistance", ["none", "moderate", "strong"])
    path = tmp_path / "renamed_used.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    tables = {t: lab.sql("admin", f"SELECT * FROM {t} ORDER BY 1") for t in CODEBOOK_TABLES}
    before = privileges(lab)
    with open_study(lab.url("lead")) as lead, pytest.raises(CodebookError, match="'mild'"):
        update_codebook(lead, path)
    assert cli_main(["codebook", "update", lab.url("lead"), str(path)]) != 0
    assert {t: lab.sql("admin", f"SELECT * FROM {t} ORDER BY 1") for t in CODEBOOK_TABLES} == (
        tables
    )
    assert _changed(before, privileges(lab)) == {}
    assert_blind(lab, lab.ids["ana"])
