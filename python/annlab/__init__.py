"""annlab: fully connected feed-forward networks that show every number inside them.

The C++ engine of the ``annlab`` command line, from Python:

- ``Network``: the glass box. Parameters are NumPy views of the engine's buffer;
  ``forward``, ``backward`` and ``trace`` give every node input and output and every loss
  derivative, named as the textbook chapter names them (I1, H4, O6, λ(1,4), b4).
- ``chapter()``: the chapter's worked example, every epoch traced.
- ``MLPRegressor`` and ``MLPClassifier``: scikit-learn estimators (Pipeline, clone,
  cross_val_score, GridSearchCV) whose fits are ``annlab train`` runs: same seed and data,
  same bits. ``load_model`` reads the CLI's model files; ``save`` writes them.
- ``annlab.plot`` (needs matplotlib): the network diagram at an epoch with the chapter's
  three toggles (weights, forward pass, back propagation) and the convergence panels.
"""

from ._annlab import DataError, DivergenceError, Model, ModelError, __version__
from ._history import ChapterRun, History, TraceHistory, chapter
from ._network import Network, Trace

__all__ = [
    "Network", "Trace", "History", "TraceHistory", "ChapterRun", "chapter", "Model",
    "MLPRegressor", "MLPClassifier", "load_model", "model_from_json",
    "DataError", "ModelError", "DivergenceError", "__version__",
]

_ESTIMATORS = ("MLPRegressor", "MLPClassifier", "load_model", "model_from_json")


def __getattr__(name):
    # scikit-learn and matplotlib are imported on first use, so `import annlab` needs NumPy
    # only.
    if name in _ESTIMATORS:
        from . import _estimators

        return getattr(_estimators, name)
    if name == "plot":
        import importlib

        return importlib.import_module(".plot", __name__)
    raise AttributeError(f"module 'annlab' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_ESTIMATORS) + ["plot"])
