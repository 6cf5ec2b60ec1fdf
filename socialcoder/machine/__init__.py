"""The machine coder: a local model that learns one dimension from a study's coded turns.

Pure functions and value objects on plain DataFrames and arrays: no database, no services, no
Qt (an import-linter contract keeps it so). Nothing leaves the machine: no download, no network.

* :func:`prepare` checks the inputs (:mod:`.data`: every turn of the transcripts, the codes of
  the dimension from the export's long layout, and a :class:`DimensionSpec`).
* :func:`train` learns a :class:`MachineModel` (:mod:`.training`): word and character n-gram
  TF-IDF of the turn, of its neighbours and of its session, one-vs-rest logistic regressions
  with balanced class weights, probabilities calibrated on held-out folds of the training data.
* :meth:`MachineModel.predict` codes turns; :meth:`MachineModel.to_bytes` /
  :meth:`MachineModel.from_bytes` store a model as JSON and numpy arrays, never a pickle.
* :func:`cross_validate` (:mod:`.evaluate`) measures the machine against single human coders
  with the project's own Krippendorff's alpha, beside the humans' agreement with each other.

scikit-learn and scipy are imported only inside the functions that train or evaluate.
"""

from socialcoder.machine.data import (
    SOURCE_ALL,
    SOURCE_CONSENSUS,
    DimensionSpec,
    Examples,
    MachineData,
    codes_from_long,
    prepare,
)
from socialcoder.machine.errors import (
    MachineInputError,
    ModelFormatError,
    OneValueError,
    TooFewUnitsError,
)
from socialcoder.machine.evaluate import Evaluation, FoldError, cross_validate
from socialcoder.machine.features import FeatureSettings
from socialcoder.machine.model import MachineModel, ModelSettings, Predictions, TrainingInfo
from socialcoder.machine.training import train

__all__ = [
    "SOURCE_ALL",
    "SOURCE_CONSENSUS",
    "DimensionSpec",
    "Evaluation",
    "Examples",
    "FeatureSettings",
    "FoldError",
    "MachineData",
    "MachineInputError",
    "MachineModel",
    "ModelFormatError",
    "ModelSettings",
    "OneValueError",
    "Predictions",
    "TooFewUnitsError",
    "TrainingInfo",
    "codes_from_long",
    "cross_validate",
    "prepare",
    "train",
]
