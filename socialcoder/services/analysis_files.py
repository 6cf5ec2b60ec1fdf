"""The files a reviewer reruns an analysis from (``socialcoder analyze --out``, Lead >
Analysis > *Save data*): the analysis data set (CSV, .sav with labels, Mplus .dat with an .inp
skeleton, a data dictionary with the codebook version, seeds and software versions), and per
analysis the R script (lagged), the per-session Yule's Q and the SDIS event file (sequential),
for a run of :mod:`socialcoder.services.analysis`. Every target is checked before anything is
written."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from socialcoder.analysis import (
    DataSet,
    Provenance,
    lagged_dataset,
    lagged_mplus_model,
    r_script,
    riclpm_wide,
    sequential_dataset,
    session_dataset,
    software_versions,
    turns_from_wide,
    write_dataset,
)
from socialcoder.analysis.datasets import FORMATS
from socialcoder.domain.final import FINAL
from socialcoder.errors import UserError
from socialcoder.export.model import ColumnInfo
from socialcoder.export.output import prepare_output
from socialcoder.services.analysis import (
    AnalysisInputs,
    CorrelationRun,
    LaggedRun,
    SequentialRun,
    completed_sessions,
)
from socialcoder.services.exporting import build_export_table
from socialcoder.services.study import Study


@dataclass(frozen=True, slots=True)
class WrittenFiles:
    folder: Path
    files: tuple[Path, ...]
    notes: tuple[str, ...] = field(default=())


def _with_coder(ds: DataSet, behind: dict[str, str], codes: str) -> DataSet:
    """The session data set with the coder (or layer) behind each session's values."""
    frame = ds.frame.copy()
    pos = list(frame.columns).index("session") + 1
    frame.insert(pos, "coder", [behind.get(str(t), codes) for t in frame["transcript"]])
    label = (
        "Final layer: the primary coder behind the values (+ consensus where values were settled)"
        if codes == FINAL
        else "Coder(s) behind the values"
    )
    infos = list(ds.columns)
    infos.insert(pos, ColumnInfo("coder", label))
    return DataSet(ds.name, frame, tuple(infos), ds.description)


def _provenance(
    inputs: AnalysisInputs, analysis: str, seeds: dict[str, int | None], settings: dict[str, object]
) -> Provenance:
    return Provenance(
        study=inputs.study,
        codebook_name=str(inputs.codebook.name),
        codebook_version=inputs.codebook_version,
        analysis=analysis,
        seeds=seeds,
        software=software_versions(),
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        settings={"codes": inputs.codes, **settings},
    )


def write_analysis_files(
    study: Study,
    run: CorrelationRun | LaggedRun | SequentialRun,
    folder: Path,
    *,
    stem: str | None = None,
    formats: Sequence[str] = FORMATS,
    force: bool = False,
) -> WrittenFiles:
    """Write the run's data set and companions into ``folder`` (see the module doc). Every
    target is checked first: an existing file (without ``force``) or the study itself is
    refused before anything is written."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise UserError(f"{folder} is a file, not a folder", source=folder)
    folder.mkdir(parents=True, exist_ok=True)
    protect = study.files
    inputs = run.inputs
    files: list[Path] = []
    notes: list[str] = []
    if isinstance(run, CorrelationRun):
        stem = stem or "sessions"
        ds = _with_coder(session_dataset(run.table, stem), inputs.coder_behind, inputs.codes)
        prov = _provenance(
            inputs,
            "session correlations",
            {"bootstrap": run.result.seed},
            {"rate": run.result.rate, "bootstrap_replicates": run.result.n_boot},
        )
        written = write_dataset(
            ds,
            folder,
            prov,
            stem=stem,
            formats=formats,
            codebook=inputs.codebook,
            force=force,
            protect=protect,
        )
        files += [*written.files, written.dictionary]
    elif isinstance(run, LaggedRun):
        stem = stem or "lagged"
        spec = run.result.spec
        wide_name, script_name = f"{stem}_riclpm_wide.csv", f"{stem}.R"
        wide = riclpm_wide(run.table.frame, spec.outcome, spec.predictor)
        waves = [int(c[2:]) for c in wide.columns if c.startswith("x_")]
        prov = _provenance(
            inputs,
            "lagged within/between model",
            {},
            {
                "outcome": spec.outcome,
                "predictor": spec.predictor,
                "control": spec.control,
                "detrend": spec.detrend,
                "random_slope": spec.random_slope,
                "therapist": spec.therapist,
            },
        )
        script = None
        if len(waves) >= 3:
            script = r_script(
                spec,
                data_file=f"{stem}.csv",
                wide_file=wide_name,
                waves=waves,
                provenance={
                    "study": inputs.study,
                    "codes": inputs.codes,
                    "codebook version": inputs.codebook_version,
                },
            )
        else:
            notes.append(
                f"no R script: an RI-CLPM needs 3 session numbers, the data have {len(waves)}"
            )
        extra = [wide_name, script_name] if script else []
        outs = [
            prepare_output(folder / n, fmt=n.rsplit(".", 1)[1], force=force, protect=protect)
            for n in extra
        ]
        written = write_dataset(
            lagged_dataset(run.result, stem),
            folder,
            prov,
            stem=stem,
            formats=formats,
            codebook=inputs.codebook,
            mplus_model=lagged_mplus_model(run.result),
            extra_files=extra,
            force=force,
            protect=protect,
        )
        files += [*written.files, written.dictionary]
        if script:
            with outs[0].writing() as tmp:
                wide.to_csv(tmp, index=False)
            with outs[1].writing() as tmp:
                tmp.write_text(script, encoding="utf-8")
            files += [o.path for o in outs if o.path is not None]
    else:
        from socialcoder.analysis import write_sdis

        stem = stem or "sequential"
        result = run.result
        sdis_out = folder / f"{stem}.sds"
        prepare_output(sdis_out, fmt="sds", force=force, protect=protect)
        prov = _provenance(
            inputs,
            f"sequential analysis, {result.given_role} -> {result.target_role}, lag {result.lag}",
            {"bootstrap": result.seed},
            {"bootstrap_replicates": result.n_boot},
        )
        written = write_dataset(
            sequential_dataset(result, f"{stem}_sessions"),
            folder,
            prov,
            stem=f"{stem}_sessions",
            formats=formats,
            codebook=inputs.codebook,
            extra_files=[sdis_out.name],
            force=force,
            protect=protect,
        )
        files += [*written.files, written.dictionary]
        wide = build_export_table(
            study, "wide", coders=inputs.codes if inputs.codes == FINAL else [inputs.codes]
        ).frame
        done = completed_sessions(inputs.sessions)["transcript"].astype(str)
        turns = turns_from_wide(wide, inputs.codebook, coder=inputs.codes, completed=done)
        write_sdis(
            sdis_out, turns, inputs.codebook, title=inputs.study, force=force, protect=protect
        )
        files.append(sdis_out)
    return WrittenFiles(folder, tuple(files), tuple(notes))
