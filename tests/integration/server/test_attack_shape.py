"""Attack suite, issue #20 item 10: the database keeps the codebook's shape against a coder's
SQL (through her only door, her functions) and a lead's plain SQL: a patient-only code on a
therapist turn, a session code on a segment, a segment code on the session, a value off the
list or not a number, an endless memo. (The same rules on SQLite: tests/integration/
test_codebook_shape.py.)"""

from __future__ import annotations

import pytest
from sqlalchemy.exc import DBAPIError

from socialcoder.domain.limits import MEMO_MAX_CHARS
from socialcoder.services.consensus import list_disagreements
from socialcoder.services.study import open_study

T = "P01_session02"


@pytest.fixture
def lab(make_lab):
    lab = make_lab(coders=("ana",))
    tid = lab.sql("ana", "SELECT id FROM sc_transcripts() WHERE name = :t", t=T)[0][0]
    roles = lab.sql("ana", "SELECT idx, id, role FROM segments WHERE transcript_id = :t", t=tid)
    lab.tid = tid
    lab.seg = {i: s for i, s, _ in roles}
    lab.therapist = next(i for i, _, r in sorted(roles) if r == "therapist")
    lab.patient = next(i for i, _, r in sorted(roles) if r == "patient")
    lab.dim = dict(lab.sql("ana", "SELECT key, id FROM dimensions"))
    return lab


def _set(lab, who: str, segment: int | None, dimension: str, value: str, memo: str = "") -> None:
    lab.sql(who, "SELECT * FROM sc_set_code(:t, :s, :d, :v, :m, false)", t=lab.tid,
            s=None if segment is None else lab.seg[segment], d=lab.dim[dimension], v=value,
            m=memo)  # fmt: skip


@pytest.mark.parametrize(
    ("segment", "dimension", "value", "refusal"),
    [
        ("therapist", "concordance", "1", "fk_codes_dimension_id_unit_role_dimension_roles"),
        ("patient", "goal_agreement", "5", "fk_codes_dimension_id_unit_role_dimension_roles"),
        (None, "concordance", "1", "fk_codes_dimension_id_unit_role_dimension_roles"),
        ("patient", "resistance", "furious", "fk_codes_dimension_id_value_enum_dimension_values"),
    ],
)
def test_a_coder_cannot_store_a_code_the_codebook_does_not_allow(lab, segment, dimension, value,
                                                                  refusal):  # fmt: skip
    index = None if segment is None else getattr(lab, segment)
    with pytest.raises(DBAPIError, match=refusal):
        _set(lab, "ana", index, dimension, value)
    assert lab.sql("admin", "SELECT count(*) FROM codes") == [(0,)]


def test_a_coder_cannot_store_an_endless_memo(lab):
    with pytest.raises(DBAPIError, match="ck_codes_memo_length"):
        _set(lab, "ana", lab.patient, "concordance", "1", memo="x" * (MEMO_MAX_CHARS + 1))
    with pytest.raises(DBAPIError, match="ck_segment_memos_text_length"):
        lab.sql("ana", "SELECT * FROM sc_set_memo(:s, :x)", s=lab.seg[lab.patient],
                x="x" * (MEMO_MAX_CHARS + 1))  # fmt: skip


def test_a_free_numeric_value_must_be_a_number(lab):
    lab.sql("admin", "UPDATE dimensions SET enumerated = false WHERE key = 'goal_agreement'")
    for value in ("banana", "5; DROP TABLE codes", "NaN", "Infinity", ""):
        with pytest.raises(DBAPIError, match=r"is a number|ck_codes_value_not_empty"):
            _set(lab, "ana", None, "goal_agreement", value)
    _set(lab, "ana", None, "goal_agreement", "4.5")


def test_a_leads_plain_sql_cannot_misplace_a_code_either(lab):
    with pytest.raises(DBAPIError, match="fk_codes_dimension_id_unit_role_dimension_roles"):
        lab.sql("lead", "INSERT INTO codes (coder_id, transcript_id, segment_id, dimension_id, "
                        "dim_enumerated, unit_role, value, value_enum, codebook_version_id, "
                        "created_at, updated_at) SELECT c.id, :t, :s, :d, true, 'therapist', '1', "
                        "'1', 1, now(), now() FROM coders c WHERE c.name = 'consensus'",
                t=lab.tid, s=lab.seg[lab.therapist], d=lab.dim["concordance"])  # fmt: skip
    with open_study(lab.url("lead")) as lead:
        assert list_disagreements(lead) == []  # nothing invalid to show
