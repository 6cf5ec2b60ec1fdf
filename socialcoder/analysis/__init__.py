"""Analyses of coded sessions: pure statistics on DataFrames, callable from a notebook.

No database, no Qt, no services here (an import-linter contract keeps it so). Inputs are
the export tables of :mod:`socialcoder.export.tables` for one coder or layer (see
:mod:`socialcoder.analysis.inputs` and :mod:`socialcoder.analysis.turns` for the columns);
every result is a typed dataclass whose ``to_dict()`` is its JSON item. Undefined figures
are ``None`` with a note saying why, never NaN; input that cannot be analysed raises a
:class:`~socialcoder.analysis.errors.AnalysisInputError` (a ``UserError``) with fields.
scipy and statsmodels are imported only inside the functions that need them.

* :func:`session_table` -> :func:`correlations` (pooled, between, within; bootstrap by
  participant; Benjamini-Hochberg), :func:`count_model` (rare codes, turns as exposure);
* :func:`lagged_model` (Falkenström's within/between lagged design) and :func:`r_script`;
* :func:`sequential` / :func:`sequential_matrix` (2x2 lag-sequential tables) and
  :func:`write_sdis` (event data for GSEQ);
* :func:`write_dataset` (CSV, SPSS, Mplus, data dictionary).

Example::

    from socialcoder.analysis import session_table, correlations
    table = session_table(sessions_frame, codebook, long=long_frame, coder="consensus")
    result = correlations(table, seed=1)
    result.to_dict()
"""

from socialcoder.analysis.correlations import (
    CorrelationResult,
    PairCorrelation,
    RepeatedMeasuresCorrelation,
    correlations,
    default_pairs,
    rmcorr,
)
from socialcoder.analysis.counts import CountModelResult, CountTerm, count_model
from socialcoder.analysis.datasets import (
    DataSet,
    MplusModel,
    Provenance,
    lagged_dataset,
    lagged_mplus_model,
    sequential_dataset,
    session_dataset,
    software_versions,
    write_dataset,
)
from socialcoder.analysis.errors import (
    AmbiguousLayerError,
    AnalysisInputError,
    CodeSpecError,
    ConstantVariableError,
    MissingColumnError,
    TooFewUnitsError,
    UnknownVariableError,
)
from socialcoder.analysis.inputs import SessionTable, Variable, plain_table, session_table
from socialcoder.analysis.lagged import FixedEffect, LaggedResult, LaggedSpec, lagged_model
from socialcoder.analysis.rscript import r_script, riclpm_wide
from socialcoder.analysis.sdis import SdisExport, sdis_text, write_sdis
from socialcoder.analysis.sequential import (
    SequentialResult,
    SequentialTable,
    TwoByTwo,
    sequential,
    sequential_matrix,
    two_by_two,
)
from socialcoder.analysis.turns import Code, parse_code, turns_from_long, turns_from_wide

__all__ = [
    "AmbiguousLayerError",
    "AnalysisInputError",
    "Code",
    "CodeSpecError",
    "ConstantVariableError",
    "CorrelationResult",
    "CountModelResult",
    "CountTerm",
    "DataSet",
    "FixedEffect",
    "LaggedResult",
    "LaggedSpec",
    "MissingColumnError",
    "MplusModel",
    "PairCorrelation",
    "Provenance",
    "RepeatedMeasuresCorrelation",
    "SdisExport",
    "SequentialResult",
    "SequentialTable",
    "SessionTable",
    "TooFewUnitsError",
    "TwoByTwo",
    "UnknownVariableError",
    "Variable",
    "correlations",
    "count_model",
    "default_pairs",
    "lagged_dataset",
    "lagged_model",
    "lagged_mplus_model",
    "parse_code",
    "plain_table",
    "r_script",
    "riclpm_wide",
    "rmcorr",
    "sdis_text",
    "sequential",
    "sequential_dataset",
    "sequential_matrix",
    "session_dataset",
    "session_table",
    "software_versions",
    "turns_from_long",
    "turns_from_wide",
    "two_by_two",
    "write_dataset",
    "write_sdis",
]
