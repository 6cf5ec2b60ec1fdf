"""A machine coder and a coder's retest pass keep their kind through every path that brings
coders into a study: `codes export` -> `codes import --add-coders`, and merging a copy. Before,
both came back as human coders (a machine's codes presented as a person's, a second pass counted
as a third coder in inter-rater reliability); and a person could be added under a name formed
like theirs."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import select

from socialcoder.cli import main as cli_main
from socialcoder.domain import coder_kinds
from socialcoder.errors import StudyError, UserError
from socialcoder.services.coders import add_coders, add_coders_in
from socialcoder.services.codes_csv import export_codes_csv, import_codes_csv
from socialcoder.services.merge import merge_studies
from socialcoder.services.study import open_study
from socialcoder.storage.models import CoderRow

T1 = "P01_session02"
MACHINE, RETEST = "machine concordance v1", "ana (retest)"


def _kinds(path: Path) -> dict[str, tuple[str, str | None]]:
    """name -> (kind, name of the coder it is a retest pass of)."""
    with open_study(path) as study, study.read() as s:
        names = dict(s.execute(select(CoderRow.id, CoderRow.name)).all())
        return {
            name: (kind, names.get(of) if of is not None else None)
            for name, kind, of in s.execute(
                select(CoderRow.name, CoderRow.kind, CoderRow.retest_of)
            )
        }


def _with_machine_and_retest(path: Path, tmp_path: Path) -> None:
    with open_study(path) as study:
        with study.write() as session:
            add_coders_in(
                session,
                [MACHINE, RETEST],
                {MACHINE: coder_kinds.MACHINE, RETEST: coder_kinds.RETEST},
            )
        codes = tmp_path / "seed.csv"
        codes.write_text(
            "transcript,segment,coder,dimension,value\n"
            f"{T1},2,ana,concordance,1\n"
            f"{T1},2,{MACHINE},concordance,0\n"
            f"{T1},2,{RETEST},concordance,1\n",
            encoding="utf-8",
        )
        import_codes_csv(study, codes)


def test_codes_export_then_import_keeps_machine_and_retest_kinds(
    base: Path, copy_of, tmp_path: Path
) -> None:
    fresh = copy_of(base, "fresh")  # the same transcripts and people, no codes
    _with_machine_and_retest(base, tmp_path)
    out = tmp_path / "codes.csv"
    with open_study(base) as study:
        export_codes_csv(study, out)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {r["coder"]: r["coder_kind"] for r in rows} == {
        "ana": "human",
        MACHINE: "machine",
        RETEST: "retest",
    }
    with open_study(fresh) as study:
        summary = import_codes_csv(study, out, add_coders=True)
    assert set(summary.coders_added) == {MACHINE, RETEST}
    kinds = _kinds(fresh)
    assert kinds[MACHINE] == (coder_kinds.MACHINE, None)
    assert kinds[RETEST] == (coder_kinds.RETEST, "ana")
    # and into the study itself: everything matches, nothing changes
    with open_study(base) as study:
        again = import_codes_csv(study, out)
    assert again.inserted == 0 and again.updated == 0


def test_a_codes_file_cannot_change_a_coders_kind_or_name_one_kind(
    base: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    with open_study(base) as study:
        bad.write_text(
            f"transcript,segment,coder,dimension,value,coder_kind\n{T1},2,ana,concordance,1,machine\n",
            encoding="utf-8",
        )
        with pytest.raises(UserError, match="'ana' is a human coder in the study, not machine"):
            import_codes_csv(study, bad)
        bad.write_text(
            f"transcript,segment,coder,dimension,value,coder_kind\n{T1},2,zoe,concordance,1,robot\n",
            encoding="utf-8",
        )
        with pytest.raises(UserError, match="unknown coder_kind 'robot'"):
            import_codes_csv(study, bad, add_coders=True)
        # a file without the column (hand-made, or from before) cannot add a person under a
        # machine's or a retest pass's name
        for name in (MACHINE, RETEST):
            bad.write_text(
                f"transcript,segment,coder,dimension,value\n{T1},2,{name},concordance,1\n",
                encoding="utf-8",
            )
            with pytest.raises(UserError, match="is named like a"):
                import_codes_csv(study, bad, add_coders=True)
        # a retest pass of someone who is not a coder here
        bad.write_text(
            f"transcript,segment,coder,dimension,value,coder_kind\n"
            f"{T1},2,zoe (retest),concordance,1,retest\n",
            encoding="utf-8",
        )
        with pytest.raises(UserError, match="retest pass of 'zoe', who is not a coder here"):
            import_codes_csv(study, bad, add_coders=True)
    assert set(_kinds(base)) == {"ana", "ben", "consensus"}  # nothing was added


def test_merging_a_copy_keeps_a_retest_pass_a_retest_pass(
    base: Path, copy_of, tmp_path: Path
) -> None:
    laptop = copy_of(base, "laptop")
    _with_machine_and_retest(laptop, tmp_path)
    with open_study(base) as study:
        report = merge_studies(study, [str(laptop)])
    # a model's codes are not merged (the study codes again with its own model)
    assert report.sources[0].coders_added == [RETEST]
    kinds = _kinds(base)
    assert MACHINE not in kinds
    assert kinds[RETEST] == (coder_kinds.RETEST, "ana")


def test_merge_refuses_a_coder_of_another_kind_here(base: Path, copy_of, tmp_path: Path) -> None:
    laptop = copy_of(base, "laptop")
    _with_machine_and_retest(laptop, tmp_path)
    with open_study(laptop) as study, study.write() as session:
        session.execute(
            CoderRow.__table__.update()
            .where(CoderRow.name == "ana")
            .values(kind=coder_kinds.MACHINE)
        )
    with (
        open_study(base) as study,
        pytest.raises(StudyError, match="'ana' is a machine coder in the copy but a human"),
    ):
        merge_studies(study, [str(laptop)])


@pytest.mark.parametrize("name", ["ana (retest)", "Machine concordance v3"])
def test_a_person_cannot_be_added_under_another_kinds_name(
    base: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli_main(["coders", "add", str(base), name]) != 0
    assert "is named like a" in capsys.readouterr().err
    with open_study(base) as study:
        add_coders(study, ["Machine Gun Kelly", "retest"])  # plain names stay free
