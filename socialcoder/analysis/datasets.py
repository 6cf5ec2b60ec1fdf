"""Analysis data sets for reviewers: CSV, SPSS (.sav with variable and value labels), Mplus
(.dat with an .inp skeleton) and a data dictionary.

A :class:`DataSet` is a frame plus what each column means
(:class:`~socialcoder.export.model.ColumnInfo`); :func:`session_dataset` and
:func:`lagged_dataset` make one from an analysis. CSV and SPSS go through the export writers
(same names, labels and atomic writes as ``socialcoder export``).

Mplus reads numbers only, without a header: text columns (participant, therapist, ...)
become 1, 2, ... in sorted order (the dictionary lists the codes), true/false 1/0, missing
values :data:`MPLUS_MISSING` (or a code no value equals), and names are cut to Mplus's
8 characters. Every line of the .inp skeleton stays within Mplus's 90 columns.

The dictionary (Markdown) records the study, the codebook name and version, the analysis,
the seeds and the software versions passed in, the files, and every variable with its SPSS
and Mplus name, label and value labels.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from socialcoder.analysis.errors import AnalysisInputError
from socialcoder.analysis.inputs import SessionTable
from socialcoder.analysis.lagged import LaggedResult
from socialcoder.analysis.sequential import SequentialResult
from socialcoder.domain.codebook import Codebook
from socialcoder.export.model import ColumnInfo, ExportTable
from socialcoder.export.output import Output, prepare_output
from socialcoder.export.writers import safe_names, write_table

MPLUS_MISSING = -999.0
MPLUS_NAME_MAX = 8
MPLUS_LINE_MAX = 90
FORMATS = ("csv", "sav", "mplus")


@dataclass(frozen=True, slots=True)
class DataSet:
    name: str
    frame: pd.DataFrame
    columns: tuple[ColumnInfo, ...]
    description: str = ""

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        if list(self.frame.columns) != names:
            raise AnalysisInputError("a data set's columns must match its column descriptions")


@dataclass(frozen=True, slots=True)
class Provenance:
    """What the dictionary records about where a data set came from."""

    study: str
    codebook_name: str
    codebook_version: str
    analysis: str
    seeds: Mapping[str, int | None] = field(default_factory=dict)
    software: Mapping[str, str] = field(default_factory=dict)
    created: str = ""
    settings: Mapping[str, object] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "study": self.study,
            "codebook": {"name": self.codebook_name, "version": self.codebook_version},
            "analysis": self.analysis,
            "seeds": dict(self.seeds),
            "software": dict(self.software),
            "created": self.created,
            "settings": dict(self.settings),
        }


@dataclass(frozen=True, slots=True)
class MplusModel:
    """What the .inp skeleton fits; names are data-set column names."""

    usevariables: tuple[str, ...]
    cluster: str | None = None
    within: tuple[str, ...] = ()
    between: tuple[str, ...] = ()
    analysis: str = "TWOLEVEL"
    model: tuple[str, ...] = ()


def software_versions() -> dict[str, str]:
    """Versions of Python and the libraries behind the analyses (for the dictionary)."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in ("socialcoder", "numpy", "pandas", "scipy", "statsmodels", "pyreadstat"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def session_dataset(table: SessionTable, name: str = "sessions") -> DataSet:
    """The session table of the correlations as a data set."""
    infos = [
        ColumnInfo("transcript", "Transcript name"),
        ColumnInfo("participant", "Participant (patient) id"),
        ColumnInfo("therapist", "Therapist id"),
        ColumnInfo("session", "Session number"),
    ]
    labels = {v.name: v for v in table.variables}
    counts = {}
    for v in table.variables:
        if v.count:
            counts[v.count] = f"{v.label.split(':')[0]}: turns with the code"
        if v.turns:
            counts[v.turns] = f"{v.dimension}: applicable turns"
    for col in table.frame.columns[4:]:
        if col in labels:
            v = labels[col]
            infos.append(ColumnInfo(col, v.label, v.value_labels))
        else:
            infos.append(ColumnInfo(col, counts.get(col, col)))
    frame = table.frame[[c.name for c in infos]]
    return DataSet(
        name,
        frame.reset_index(drop=True),
        tuple(infos),
        "One row per session (transcript) of the chosen coder or layer",
    )


def lagged_dataset(result: LaggedResult, name: str = "lagged") -> DataSet:
    """The analysis data set of the lagged model."""
    s = result.spec
    within = (
        "residual of the patient's linear trend" if s.detrend else "deviation from the patient mean"
    )
    infos = (
        ColumnInfo("participant", "Participant (patient) id"),
        ColumnInfo("therapist", "Therapist id"),
        ColumnInfo("session", "Session number t"),
        ColumnInfo("session_next", "Session number t+1"),
        ColumnInfo("outcome", f"{s.outcome} at session t"),
        ColumnInfo("outcome_next", f"{s.outcome} at session t+1 (the outcome)"),
        ColumnInfo("predictor", f"{s.predictor} at session t"),
        ColumnInfo("predictor_within", f"{s.predictor} at t: {within}"),
        ColumnInfo("predictor_between", f"{s.predictor}: the patient's mean"),
        ColumnInfo("control", f"{s.control} at session t (control)"),
    )
    return DataSet(
        name,
        result.data[[c.name for c in infos]].reset_index(drop=True),
        infos,
        "One row per pair of consecutive sessions t -> t+1 of a patient",
    )


def sequential_dataset(result: SequentialResult, name: str = "sequential_sessions") -> DataSet:
    """The per-session 2x2 counts and Yule's Q of every table of a sequential analysis."""
    infos = (
        ColumnInfo("given", "Given code (turn t)"),
        ColumnInfo("target", "Target code (turn t+lag)"),
        ColumnInfo("lag", "Lag in turns"),
        ColumnInfo("transcript", "Transcript name"),
        ColumnInfo("participant", "Participant (patient) id"),
        ColumnInfo("session", "Session number"),
        ColumnInfo("a", "Pairs: given and target"),
        ColumnInfo("b", "Pairs: given, not target"),
        ColumnInfo("c", "Pairs: not given, target"),
        ColumnInfo("d", "Pairs: neither"),
        ColumnInfo("yules_q", "Yule's Q of the session"),
        ColumnInfo("reason", "Why Yule's Q is missing"),
    )
    frame = result.per_session_frame()
    if frame.empty:
        frame = pd.DataFrame(columns=[c.name for c in infos])
    return DataSet(
        name,
        frame[[c.name for c in infos]].reset_index(drop=True),
        infos,
        f"One row per table x session: {result.given_role} -> {result.target_role} turn pairs "
        f"at lag {result.lag}",
    )


def lagged_mplus_model(result: LaggedResult) -> MplusModel:
    """A two-level skeleton of the lagged model: ``%WITHIN%`` the within predictor and the
    control, ``%BETWEEN%`` the patient mean."""
    within = ("predictor_within", "control")
    model: tuple[str, ...]
    if result.spec.random_slope:
        model = (
            "%WITHIN%",
            "s | {outcome_next} ON {predictor_within};",
            "{outcome_next} ON {control};",
            "%BETWEEN%",
            "{outcome_next} ON {predictor_between};",
            "{outcome_next} WITH s;",
        )
        analysis = "TWOLEVEL RANDOM"
    else:
        model = (
            "%WITHIN%",
            "{outcome_next} ON {predictor_within} {control};",
            "%BETWEEN%",
            "{outcome_next} ON {predictor_between};",
        )
        analysis = "TWOLEVEL"
    return MplusModel(
        usevariables=("outcome_next", "predictor_within", "predictor_between", "control"),
        cluster="participant",
        within=within,
        between=("predictor_between",),
        analysis=analysis,
        model=model,
    )


def _write_text(out: Output, text: str, encoding: str = "utf-8") -> None:
    with out.writing() as tmp:
        tmp.write_text(text, encoding=encoding, errors="replace")


def mplus_names(names: Sequence[str]) -> list[str]:
    """Valid, unique Mplus names (letters, digits, ``_``; a letter first; at most 8)."""
    out: list[str] = []
    used: set[str] = set()
    for name in names:
        base = re.sub(r"[^A-Za-z0-9_]", "", name) or "v"
        if not base[0].isalpha():
            base = "v" + base
        base = base[:MPLUS_NAME_MAX]
        candidate, n = base, 1
        while candidate.lower() in used:
            n += 1
            suffix = str(n)
            candidate = base[: MPLUS_NAME_MAX - len(suffix)] + suffix
        used.add(candidate.lower())
        out.append(candidate)
    return out


def mplus_frame(ds: DataSet) -> tuple[pd.DataFrame, list[str], dict[str, dict[float, str]]]:
    """(numeric frame, Mplus names, value codes of the recoded text columns)."""
    cols: dict[str, pd.Series] = {}
    codes: dict[str, dict[float, str]] = {}
    for info in ds.columns:
        s = ds.frame[info.name]
        if isinstance(s.dtype, pd.CategoricalDtype):
            num = s.cat.codes.astype("float64")
            cols[info.name] = num.where(num >= 0, np.nan)
        elif s.dtype == bool or pd.api.types.is_bool_dtype(s.dtype):
            cols[info.name] = s.astype("float64")
        elif pd.api.types.is_numeric_dtype(s.dtype):
            cols[info.name] = pd.to_numeric(s, errors="coerce").astype("float64")
        else:
            text = s.astype("string")
            levels = sorted(text.dropna().unique())
            mapping = {v: float(i + 1) for i, v in enumerate(levels)}
            cols[info.name] = text.map(mapping).astype("float64")
            if levels:
                codes[info.name] = {float(i + 1): str(v) for i, v in enumerate(levels)}
    frame = pd.DataFrame(cols, index=ds.frame.index)
    return frame, mplus_names([c.name for c in ds.columns]), codes


def _missing_code(frame: pd.DataFrame) -> float:
    code = MPLUS_MISSING
    values = frame.to_numpy(dtype=float)
    while np.isin(code, values[np.isfinite(values)]).any():
        code = code * 10 - 9
    return code


def _wrap(head: str, words: Sequence[str], indent: str = "    ") -> list[str]:
    lines, line = [], head
    for w in words:
        if len(line) + 1 + len(w) > MPLUS_LINE_MAX:
            lines.append(line)
            line = indent + w
        else:
            line = f"{line} {w}" if line.strip() else indent + w
    lines.append(line + ";")
    return lines


def mplus_input(
    ds: DataSet,
    dat_name: str,
    names: Sequence[str],
    missing: float,
    model: MplusModel | None,
    title: str,
) -> str:
    by = dict(zip([c.name for c in ds.columns], names, strict=True))

    def mp(cols: Sequence[str]) -> list[str]:
        for c in cols:
            if c not in by:
                raise AnalysisInputError(
                    f"the Mplus model names {c!r}, which is not in the data set"
                )
        return [by[c] for c in cols]

    miss = f"{missing:g}"
    lines = [
        f"TITLE: {title}"[:MPLUS_LINE_MAX],
        "  ! Written by SocialCoder: a skeleton, check before use.",
        f'DATA: FILE = "{dat_name}";',
        "VARIABLE:",
    ]
    lines += _wrap("  NAMES =", list(names))
    lines.append(f"  MISSING = ALL ({miss});")
    if model is None:
        lines += [
            "  ! USEVARIABLES = ...;",
            "ANALYSIS:",
            "  ! TYPE = ...;",
            "MODEL:",
            "  ! ... ON ...;",
            "OUTPUT: SAMPSTAT CINTERVAL;",
        ]
        return "\n".join(lines) + "\n"
    lines += _wrap("  USEVARIABLES =", mp(model.usevariables))
    if model.cluster:
        lines.append(f"  CLUSTER = {mp([model.cluster])[0]};")
    if model.within:
        lines += _wrap("  WITHIN =", mp(model.within))
    if model.between:
        lines += _wrap("  BETWEEN =", mp(model.between))
    lines += ["ANALYSIS:", f"  TYPE = {model.analysis};", "MODEL:"]
    for raw in model.model:
        text = raw.format(**by) if "{" in raw else raw
        lines.append(("  " + text)[:MPLUS_LINE_MAX])
    lines.append("OUTPUT: SAMPSTAT CINTERVAL;")
    too_long = [ln for ln in lines if len(ln) > MPLUS_LINE_MAX]
    if too_long:  # pragma: no cover - every line above is wrapped or cut
        raise AnalysisInputError("an Mplus input line is longer than 90 characters")
    return "\n".join(lines) + "\n"


def mplus_files(
    ds: DataSet,
    dat: Output,
    inp: Output,
    model: MplusModel | None = None,
    title: str | None = None,
) -> tuple[list[str], dict[str, dict[float, str]], float]:
    """Write the .dat and the .inp skeleton; returns (Mplus names, text codes, missing code)."""
    frame, names, codes = mplus_frame(ds)
    missing = _missing_code(frame)
    data = frame.fillna(missing)
    text = "\n".join(" ".join(f"{v:.10g}" for v in row) for row in data.to_numpy(dtype=float))
    _write_text(dat, text + ("\n" if text else ""), "ascii")
    dat_name = dat.path.name if dat.path is not None else f"{ds.name}.dat"
    inp_text = mplus_input(ds, dat_name, names, missing, model, title or ds.description or ds.name)
    _write_text(inp, inp_text, "ascii")
    return names, codes, missing


def _labels_text(labels: Mapping[float, str] | None) -> str:
    if not labels:
        return ""
    return "; ".join(f"{int(k) if float(k).is_integer() else k} = {v}" for k, v in labels.items())


def dictionary_text(
    ds: DataSet,
    provenance: Provenance,
    files: Sequence[str],
    *,
    mplus: tuple[list[str], dict[str, dict[float, str]], float] | None = None,
) -> str:
    """The data dictionary as Markdown."""
    sav = safe_names([c.name for c in ds.columns], "sav")
    lines = [
        f"# Data dictionary: {ds.name}",
        "",
        ds.description,
        "",
        f"- Study: {provenance.study}",
        f"- Codebook: {provenance.codebook_name}, version {provenance.codebook_version}",
        f"- Analysis: {provenance.analysis}",
        f"- Rows: {len(ds.frame)}",
        f"- Created: {provenance.created or 'not recorded'}",
    ]
    for key, value in provenance.settings.items():
        lines.append(f"- Setting {key}: {value}")
    lines.append(
        "- Seeds: " + (", ".join(f"{k} = {v}" for k, v in provenance.seeds.items()) or "none")
    )
    lines.append(
        "- Software: "
        + (", ".join(f"{k} {v}" for k, v in provenance.software.items()) or "not recorded")
    )
    lines += ["", "Files: " + ", ".join(files), ""]
    if mplus is not None:
        lines += [
            f"Mplus: missing values are {mplus[2]:g}; text columns are numbered as listed.",
            "",
        ]
    lines += ["| variable | SPSS name | Mplus name | label | values |", "|---|---|---|---|---|"]
    for i, info in enumerate(ds.columns):
        labels = dict(info.value_labels or {})
        if mplus is not None and info.name in mplus[1]:
            labels = mplus[1][info.name]
        mp = mplus[0][i] if mplus is not None else ""
        cells = [info.name, sav[i], mp, info.label, _labels_text(labels)]
        lines.append(
            "| " + " | ".join(c.replace("|", "/").replace("\n", " ") for c in cells) + " |"
        )
    return "\n".join(lines) + "\n"


@dataclass(frozen=True, slots=True)
class WrittenDataSet:
    files: tuple[Path, ...]
    dictionary: Path


def write_dataset(
    ds: DataSet,
    folder: Path,
    provenance: Provenance,
    *,
    stem: str | None = None,
    formats: Sequence[str] = FORMATS,
    codebook: Codebook | None = None,
    mplus_model: MplusModel | None = None,
    extra_files: Sequence[str] = (),
    force: bool = False,
    protect: Sequence[str | Path] = (),
) -> WrittenDataSet:
    """Write ``ds`` in ``formats`` (``csv``, ``sav``, ``mplus``) as ``folder/stem.*`` and the
    dictionary ``folder/stem_dictionary.md``, through the export's output mechanism: every
    target is checked first (an existing file without ``force``, a study in ``protect``...),
    so a refusal writes nothing; each file then appears whole or not at all."""
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise AnalysisInputError(f"unknown format {unknown[0]!r} (use: {', '.join(FORMATS)})")
    folder = Path(folder)
    stem = stem or ds.name
    planned = [("csv", "csv")] if "csv" in formats else []
    planned += [("sav", "sav")] if "sav" in formats else []
    planned += [("dat", "dat"), ("inp", "inp")] if "mplus" in formats else []
    outs = {
        ext: prepare_output(folder / f"{stem}.{ext}", fmt=fmt, force=force, protect=protect)
        for ext, fmt in planned
    }
    dictionary = prepare_output(
        folder / f"{stem}_dictionary.md", fmt="md", force=force, protect=protect
    )
    book = codebook or Codebook("analysis", "", ())
    table = ExportTable(ds.name, ds.frame, ds.columns, book)
    mplus = None
    for ext in ("csv", "sav"):
        if ext in outs:
            write_table(table, outs[ext])
    if "dat" in outs:
        mplus = mplus_files(ds, outs["dat"], outs["inp"], mplus_model)
    written = tuple(out.path for out in outs.values() if out.path is not None)
    names = [p.name for p in written] + list(extra_files)
    _write_text(dictionary, dictionary_text(ds, provenance, names, mplus=mplus))
    assert dictionary.path is not None
    return WrittenDataSet(written, dictionary.path)
