"""scikit-learn estimators on annlab's engine: ``MLPRegressor`` and ``MLPClassifier``.

A fit is one call to the C++ workflow (``train_on_arrays``), the same steps ``annlab train``
runs on a CSV: the inputs (and regression targets) are scaled with statistics of the training
rows (``scale``, ``scale_target``: minmax01 by default), the network is initialized from
``random_state`` and trained; the fitted model (``model_``) is an ``annlab.model`` document
the CLI predicts, evaluates and traces. The same numbers, column names, seed and options give
bit-identical parameters through Python and through the CLI.

Arrays are read in place (float32 or float64, C or Fortran order, a pandas frame's block);
training runs without the GIL; Ctrl-C stops it between batches, keeps the state reached (the
estimator stays fitted and usable) and raises KeyboardInterrupt.
"""

from __future__ import annotations

import json
import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import column_or_1d
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_consistent_length, check_is_fitted

from . import _annlab
from ._history import History
from ._network import Network, Trace
from ._options import checked_config, params_from_options, run_options

__all__ = ["MLPRegressor", "MLPClassifier", "load_model", "model_from_json"]


# ---- data helpers -------------------------------------------------------------------------

def _is_frame(X) -> bool:
    return hasattr(X, "columns") and hasattr(X, "dtypes") and hasattr(X, "iloc")


def _has_text_columns(X) -> bool:
    """A pandas frame with a column that is not numbers (or booleans): it needs one-hot
    encoding, which the table path (the CLI's) does."""
    if not _is_frame(X):
        return False
    import pandas as pd

    return any(not (pd.api.types.is_numeric_dtype(t) or pd.api.types.is_bool_dtype(t))
               for t in X.dtypes)


_FLOATS = (np.dtype(np.float64), np.dtype(np.float32))


def _whole_elements(a: np.ndarray) -> np.ndarray:
    """``a`` itself unless a stride is not a whole number of elements (then a C copy)."""
    if any(s % a.itemsize for s in a.strides):
        return np.ascontiguousarray(a)
    return a


def _class_name(v) -> str:
    """A class label as model files write it: integers (and whole floats) as digits, other
    numbers in their shortest round-trip form, anything else as its text."""
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, numbers.Integral):
        return str(int(v))
    if isinstance(v, numbers.Real):
        f = float(v)
        return str(int(f)) if f.is_integer() and abs(f) < 2**53 else repr(f)
    return str(v)


def _labels_of(names):
    """Class labels back from a model file's category texts: integers when every one is an
    integer, else floats when every one is a number, else the texts."""
    for kind in (int, float):
        try:
            return np.array([kind(n) for n in names])
        except ValueError:
            continue
    return np.array(list(names), dtype=object)


def _cell_text(v) -> str:
    """A cell as a CSV would hold it: numbers in shortest round-trip form, missing values
    (None, NaN) as the empty field."""
    if v is None:
        return ""
    if isinstance(v, (float, np.floating)):
        return "" if np.isnan(v) else repr(float(v))
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (numbers.Integral,)):
        return str(int(v))
    try:
        import pandas as pd

        if pd.isna(v):
            return ""
    except (TypeError, ValueError):
        pass
    return str(v)


def _cells(frame, extra=()):
    """Header and row-major cell texts of a frame (and extra (name, values) columns)."""
    columns = [str(c) for c in frame.columns]
    data = [[_cell_text(v) for v in frame[c].to_numpy()] for c in frame.columns]
    for name, values in extra:
        columns.append(name)
        data.append([_cell_text(v) for v in values])
    return columns, [list(r) for r in zip(*data)]


# ---- the estimators -------------------------------------------------------------------------

def _first_order(est) -> bool:
    """partial_fit is offered for the first-order solvers (as scikit-learn's, not lbfgs)."""
    return str(est.solver).lower().replace("-", "_") not in ("lbfgs", "l_bfgs")


class _MLPBase(BaseEstimator):
    """What both estimators share; see MLPRegressor for the parameters."""

    _classify = False

    @classmethod
    def _get_param_names(cls):
        """scikit-learn's answer (the parameters of __init__, read with inspect.signature),
        computed once per class: get_params runs in every fit, and clone and the model
        selection tools call it many times."""
        names = cls.__dict__.get("_param_names")  # this class's own (a subclass adds some)
        if names is None:
            names = tuple(super()._get_param_names())
            cls._param_names = names
        return list(names)  # a new list each call, as scikit-learn's

    # -- input checks ------------------------------------------------------------------------
    def _by_name(self, X):
        """A frame's columns in the fitted order, matched by name as the CLI matches a CSV's
        header (extra columns are left out)."""
        if _is_frame(X) and hasattr(self, "feature_names_in_"):
            names = list(self.feature_names_in_)
            if list(X.columns) != names and set(names) <= set(X.columns):
                return X[names]
        return X

    def _check_X(self, X, reset: bool):
        if not reset:
            X = self._by_name(X)
        if (type(X) is np.ndarray and X.ndim == 2 and X.dtype in _FLOATS and X.shape[0] > 0
                and X.shape[1] > 0):
            # What _validate_data does for such an array (check_array returns it as it is),
            # without its general path: fit's own time is a few ms of Python after a fit
            # has left every cache cold, and check_array was most of it.
            self._check_feature_names(X, reset=reset)
            self._check_n_features(X, reset=reset)
            return _whole_elements(X)
        X = self._validate_data(X, reset=reset, dtype=(np.float64, np.float32),
                                force_all_finite=False, order=None)
        return _whole_elements(X)

    def _feature_names(self, n):
        if hasattr(self, "feature_names_in_"):
            return [str(c) for c in self.feature_names_in_]
        return [f"x{i}" for i in range(n)]

    def _options(self, rows, **override) -> dict:
        o = run_options(self.get_params(deep=False), rows=rows, classify=self._classify)
        o.update(override)
        return o

    def _epoch_callback(self):
        if not self.verbose and self.callback is None:
            return None
        verbose, callback = self.verbose, self.callback

        def on_epoch(record):
            if verbose:
                line = f"Iteration {record['epoch']}, loss = {record['train_loss']:.8f}"
                if not np.isnan(record["validation_loss"]):
                    line += f", validation loss = {record['validation_loss']:.8f}"
                print(line, flush=True)
            if callback is not None:
                callback(record)

        return on_epoch

    def _fitted(self) -> bool:
        return hasattr(self, "model_")

    # -- fitting -----------------------------------------------------------------------------
    def _fit(self, X, y, *, incremental=False, classes=None):
        name = type(self).__name__
        if y is None:
            raise ValueError(f"{name} requires y to be passed, but the target y is None")
        if _has_text_columns(X):
            if incremental or (self.warm_start and self._fitted()):
                raise ValueError(f"{name}: partial_fit and warm_start need numeric columns; "
                                 "this frame has text columns (one-hot encoded by fit)")
            return self._fit_table(X, y)
        continuing = self._fitted() and not getattr(self, "_table", False) and (
            incremental or (self.warm_start and self._same_architecture()))
        X = self._check_X(X, reset=not continuing)
        target = self._targets(y, X.shape[0], continuing=continuing, classes=classes)
        features = self._feature_names(X.shape[1])
        options = self._options(X.shape[0])
        if incremental:
            options.update(epochs=1, validation=0.0, early_stopping=False)
        if continuing:
            # A new shuffle for every continued epoch, still fixed by the seed.
            options["seed"] = (options["seed"] + (self.n_iter_ or 0)) % 2**32
        options.update(features=features, target=target["names"])
        config = checked_config(options, name)
        if continuing:
            r = _annlab.continue_training(self.model_, X, features, target["y"], target["labels"],
                                          target["classes"], target["names"], config, name,
                                          self._epoch_callback())
        else:
            r = _annlab.train_arrays(X, features, target["y"], target["labels"], target["classes"],
                                     target["names"], config, name,
                                     "DataFrame" if _is_frame(X) else "arrays",
                                     self._epoch_callback())
        self._store(r, continuing=continuing, target=target)
        if r["exception"] is not None:
            raise r["exception"]
        if not incremental:
            self._warn_if_not_converged()
        return self

    def _fit_table(self, X, y):
        """A frame with text columns: train_on_table on its cell texts (categorical columns
        one-hot encoded exactly as ``annlab train`` encodes a CSV's)."""
        name = type(self).__name__
        self._check_feature_names(X, reset=True)
        self._check_n_features(X, reset=True)
        if not hasattr(self, "feature_names_in_"):
            raise ValueError(f"{name}: name the frame's columns with strings (a model file "
                             "matches columns by name)")
        check_consistent_length(X, y)
        target = self._targets(y, X.shape[0], continuing=False, classes=None)
        if self._classify:
            values = [[target["classes"][i] for i in target["labels"]]]
        else:
            values = [target["y"][:, j] for j in range(target["y"].shape[1])]
        columns, rows = _cells(X, zip(target["names"], values))
        options = self._options(X.shape[0])
        options.update(features=[str(c) for c in X.columns], target=target["names"])
        config = checked_config(options, name)
        r = _annlab.train_table(columns, rows, config, name, "DataFrame", self._epoch_callback())
        self._store(r, continuing=False, target=target, table=True)
        if r["exception"] is not None:
            raise r["exception"]
        self._warn_if_not_converged()
        return self

    def _store(self, r, *, continuing, target, table=False):
        t_before = self.t_ if continuing else 0
        self.model_ = r["model"]
        self.history_ = History(r["history"])
        self.metrics_ = {k: r[k] for k in ("train", "validation", "test")}
        self.split_ = dict(r["split"])
        h = self.history_
        self.n_iter_ = ((self.n_iter_ or 0) if continuing else 0) + len(h)
        self.t_ = t_before + len(h) * len(self.split_["train"])
        self.loss_curve_ = (self.loss_curve_ if continuing else []) + h.train_loss.tolist()
        self.best_loss_ = min(self.loss_curve_) if self.loss_curve_ else float("nan")
        score = "accuracy" if self._classify else "r2"
        if len(h) and score in h.validation_metrics:
            self.validation_scores_ = h.validation_metrics[score].tolist()
            self.best_validation_score_ = float(np.nanmax(h.validation_metrics[score]))
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
        self.n_layers_ = len(self.model_.widths)
        self.n_outputs_ = self.model_.widths[-1]
        self.out_activation_ = self.model_.activations[-1]
        self._target_names = list(target["names"])
        self._y_ndim = target["ndim"]
        self._table = table
        if self._classify:
            self.classes_ = target["labels_of_classes"]
            if table:  # ordered as the CLI orders them (numbers by value); arrays keep target's
                cats = list(self.model_.targets[0]["categories"])
                if cats != list(target["classes"]):
                    order = [list(target["classes"]).index(c) for c in cats]
                    self.classes_ = self.classes_[order]

    def _warn_if_not_converged(self):
        h = self.history_
        if (self.n_iter_no_change is not None and not h.stopped_early and not h.converged
                and not h.interrupted and len(h) == self.max_iter and self.max_iter > 0):
            warnings.warn(
                f"{type(self).__name__}: maximum iterations ({self.max_iter}) reached and the "
                f"training loss was still improving by more than tol={self.tol} within "
                f"n_iter_no_change={self.n_iter_no_change} epochs",
                ConvergenceWarning)

    def _same_architecture(self) -> bool:
        hidden = self.hidden_layer_sizes
        hidden = [hidden] if isinstance(hidden, numbers.Integral) else list(hidden)
        return list(self.model_.widths[1:-1]) == [int(w) for w in hidden]

    def fit(self, X, y):
        """Trains on X (rows x features) and y; with ``warm_start`` and an earlier fit of the
        same architecture, continues from its parameters (preprocessing kept)."""
        return self._fit(X, y)

    # -- prediction --------------------------------------------------------------------------
    def _outputs(self, X) -> np.ndarray:
        """rows x outputs: target units (regression) or class probabilities."""
        check_is_fitted(self, "model_")
        if self._table or any(f["kind"] == "categorical" for f in self.model_.features):
            if not _is_frame(X):
                raise ValueError(f"{type(self).__name__}: the model has categorical features; "
                                 "give X as a pandas DataFrame with the columns "
                                 f"{', '.join(f['name'] for f in self.model_.features)}")
            X = self._by_name(X)
            self._check_n_features(X, reset=False)
            columns, rows = _cells(X)
            return self.model_.predict_table(columns, rows, "DataFrame")["values"]
        return self.model_.predict(self._check_X(X, reset=False))

    # -- the glass box -----------------------------------------------------------------------
    def network(self) -> Network:
        """A copy of the trained network (model units: inputs and targets scaled)."""
        check_is_fitted(self, "model_")
        return Network._wrap(self.model_.network())

    def trace(self, X, y, row=None) -> Trace:
        """Every number of the forward and backward pass of rows of X against y, in model
        units (scaled as for training), named the chapter's way. ``row``: one row (int), some
        rows (a list), or every row (None)."""
        check_is_fitted(self, "model_")
        X = self._check_X(X, reset=False)
        target = self._targets(y, X.shape[0], continuing=True, classes=None)
        rows = list(range(X.shape[0])) if row is None else (
            [int(row)] if isinstance(row, numbers.Integral) else [int(r) for r in row])
        d = self.model_.trace(X, self._feature_names(X.shape[1]), target["y"], target["labels"],
                              target["classes"], target["names"], rows)
        return Trace(d, single=isinstance(row, numbers.Integral))

    @property
    def coefs_(self) -> list:
        """Weight matrices in scikit-learn's layout: ``coefs_[i]`` is ``(l_i, l_(i+1))``, a
        read-only view of the model's parameters (model units)."""
        check_is_fitted(self, "model_")
        return [w.T for w in self._layers()[0]]

    @property
    def intercepts_(self) -> list:
        check_is_fitted(self, "model_")
        return self._layers()[1]

    def _layers(self):
        p, widths = self.model_.parameters, self.model_.widths
        weights, biases, k = [], [], 0
        for l in range(1, len(widths)):
            n = widths[l] * widths[l - 1]
            weights.append(p[k:k + n].reshape(widths[l], widths[l - 1]))
            biases.append(p[k + n:k + n + widths[l]])
            k += n + widths[l]
        return weights, biases

    # -- model files -------------------------------------------------------------------------
    def save(self, path) -> None:
        """Writes the model file (``annlab.model``, atomically) that ``annlab predict``,
        ``evaluate``, ``inspect`` and ``trace`` read."""
        check_is_fitted(self, "model_")
        self.model_.save(str(path))

    def to_json(self, indent: int = 1) -> str:
        check_is_fitted(self, "model_")
        return self.model_.to_json(indent)

    def _more_tags(self):
        return {"multioutput": not self._classify}


class MLPRegressor(RegressorMixin, _MLPBase):
    """A multi-layer perceptron regressor trained by annlab.

    Parameters named as in scikit-learn's MLPRegressor mean the same thing; annlab's own
    follow. Training is the CLI's ``annlab train`` (docs/cli.md gives every option).

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default (100,)
        Widths of the hidden layers (``()`` for none).
    activation : str or tuple of str, default "relu"
        Hidden activation, or one per hidden layer: identity, logistic (= sigmoid), tanh,
        relu, leaky_relu[:slope], elu[:a], softplus.
    solver : str, default "adam"
        adam, adamw, rmsprop, sgd (= gd: plain gradient descent), momentum, nesterov, lbfgs
        (full batch). scikit-learn's "sgd" has Nesterov momentum: here that is "nesterov".
    alpha : float, default 0.0001
        L2 penalty as weight decay: ``g += alpha·θ`` on every parameter, biases included
        (PyTorch's form; AdamW's decoupled decay for adamw). scikit-learn divides by the batch
        size and skips biases, so its alpha corresponds to about ``alpha / batch_size`` here.
    batch_size : int or "auto", default "auto"
        Rows per update; "auto" is ``min(200, n_samples)``; 0 is the full batch. Ignored by
        lbfgs.
    learning_rate_init : float, default 0.001
    max_iter : int, default 200
        Epochs (passes over the training rows); lbfgs: iterations.
    shuffle : bool, default True
    epoch_loss : str, default "batch_mean"
        What ``loss_curve_`` (and the training metrics in ``history_``) measure, and so what
        ``tol`` and ``n_iter_no_change`` watch without early stopping: "batch_mean", the mean
        of the epoch's mini-batch losses, each taken before its update (scikit-learn's
        ``loss_curve_``, Keras' ``loss``), or "full_pass", the model after the epoch on every
        training row (exact, one more forward pass per epoch: the CLI's default). The
        parameters trained are the same either way.
    n_jobs : int or None, default None
        Threads for training: None uses ANNLAB_THREADS (else 1), -1 every CPU, -2 all but
        one (joblib's rule). The engine's work is cut in two, so more than 2 count as 2.
        Every count gives the same parameters, bit for bit (a mini-batch is cut into the same
        two row halves whatever the count); so the model's run configuration does not
        record it.
    random_state : int, RandomState or None, default None
        Seed of the initialization, the validation split and the shuffles (annlab's seed:
        an integer in [0, 2**32)); None draws one from NumPy's global generator.
    tol : float, default 1e-4
        Smallest loss improvement that counts (early stopping's min_delta).
    verbose : bool, default False
        Print the loss after every epoch.
    warm_start : bool, default False
        ``fit`` continues from the previous fit's parameters (and keeps its scaling) when the
        hidden layers are unchanged.
    momentum : float, default 0.9
        For the momentum and nesterov solvers.
    beta_1, beta_2, epsilon : float, default 0.9, 0.999, 1e-8
        Adam's constants (epsilon also rmsprop's).
    early_stopping : bool, default False
        Hold out ``validation_fraction`` of the rows (stratified for classes) and stop when
        their loss has not improved by more than ``tol`` for ``n_iter_no_change`` epochs.
        Without it, training stops on the training loss by the same rule (scikit-learn's).
    validation_fraction : float, default 0.1
    n_iter_no_change : int or None, default 10
        Patience in epochs; None trains every one of ``max_iter`` epochs.
    rho : float, default 0.9
        RMSprop's decay.
    lbfgs_history : int, default 10
        L-BFGS correction pairs.
    schedule : str, default "constant"
        Learning-rate schedule: constant, chapter_decay (the chapter's compounding decay),
        inverse_time, step, exponential, reduce_on_plateau; with ``decay``, ``decay_steps``,
        ``step_size``, ``factor``, ``schedule_patience``, ``schedule_min_delta``,
        ``min_lr``.
    init : str, default "normalized_xavier"
        Weight initializer: xavier (the chapter's U[-1/√p, 1/√p]), normalized_xavier
        (Glorot), he, he_uniform, zeros.
    bias_init : str, default "zeros"
        zeros, chapter_uniform, constant.
    output_activation, loss : str or None
        Default identity and mean_squared_error (half_squared_error is the chapter's).
    scale : str, default "minmax01"
        Input scaling fitted on the training rows: minmax01, minmax11, standard, none.
    scale_target : str, default "minmax01"
        Target scaling; predictions are transformed back.
    dtype : str, default "float64"
        float32 trains in single precision.
    restore_best : bool, default True
        After early stopping, put back the best epoch's parameters.
    probe_rows : tuple of int or None
        Training rows whose full trace ``history_.probes`` records every ``history_every``
        epochs (keeping the last ``history_last``, if not 0, within ``history_budget_mb``).
    callback : callable or None
        Called after every epoch with a dict (epoch, epochs, learning_rate, train_loss,
        validation_loss, train_metrics, validation_metrics, seconds); raising stops training.

    Attributes
    ----------
    model_ : annlab Model
        The fitted model: architecture, parameters, scaling, run configuration.
    history_ : annlab.History
        Per-epoch losses and metrics (``history_.frame()``), probe traces, of the last call
        to fit or partial_fit (None for a model read from a file).
    loss_curve_, best_loss_, validation_scores_, best_validation_score_, n_iter_, t_,
    n_layers_, n_outputs_, out_activation_, n_features_in_, feature_names_in_
        As scikit-learn's (losses in model units). ``coefs_`` and ``intercepts_`` are
        read-only views of the parameters in scikit-learn's layout.
    metrics_ : dict
        Final metrics on the train and validation rows, in the target's units.
    """

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate_init=0.001, max_iter=200,
                 shuffle=True, random_state=None, tol=1e-4, verbose=False, warm_start=False,
                 momentum=0.9, beta_1=0.9, beta_2=0.999, epsilon=1e-8, early_stopping=False,
                 validation_fraction=0.1, n_iter_no_change=10, rho=0.9, lbfgs_history=10,
                 schedule="constant", decay=0.0, decay_steps=1.0, step_size=10, factor=0.5,
                 schedule_patience=10, schedule_min_delta=0.0, min_lr=0.0,
                 init="normalized_xavier", bias_init="zeros", output_activation=None, loss=None,
                 scale="minmax01", scale_target="minmax01", dtype="float64", restore_best=True,
                 probe_rows=None, history_every=1, history_last=0, history_budget_mb=256.0,
                 epoch_loss="batch_mean", n_jobs=None, callback=None):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.rho = rho
        self.lbfgs_history = lbfgs_history
        self.schedule = schedule
        self.decay = decay
        self.decay_steps = decay_steps
        self.step_size = step_size
        self.factor = factor
        self.schedule_patience = schedule_patience
        self.schedule_min_delta = schedule_min_delta
        self.min_lr = min_lr
        self.init = init
        self.bias_init = bias_init
        self.output_activation = output_activation
        self.loss = loss
        self.scale = scale
        self.scale_target = scale_target
        self.dtype = dtype
        self.restore_best = restore_best
        self.probe_rows = probe_rows
        self.history_every = history_every
        self.history_last = history_last
        self.history_budget_mb = history_budget_mb
        self.epoch_loss = epoch_loss
        self.n_jobs = n_jobs
        self.callback = callback

    def _targets(self, y, rows, *, continuing, classes):
        y = check_array(y, ensure_2d=False, dtype=np.float64, force_all_finite=False,
                        input_name="y")
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if y.ndim not in (1, 2):
            raise ValueError(f"y: expected 1 or 2 dimensions, got {y.ndim}")
        if y.shape[0] != rows:
            raise ValueError(f"X has {rows} rows but y has {y.shape[0]}")
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        if continuing:
            names = list(self._target_names)
            if len(names) != Y.shape[1]:
                raise ValueError(f"y has {Y.shape[1]} columns; the model has {len(names)} "
                                 "targets")
        else:
            names = self._target_names_of_input(Y.shape[1])
        return {"y": _whole_elements(Y), "labels": None, "classes": [], "names": names,
                "ndim": y.ndim}

    def _fit(self, X, y, **kw):
        # Keep a Series'/frame's target names (check_array drops them).
        self._y_names = None
        if hasattr(y, "name") and isinstance(getattr(y, "name", None), str):
            self._y_names = [y.name]
        elif _is_frame(y) and all(isinstance(c, str) for c in y.columns):
            self._y_names = list(y.columns)
        return super()._fit(X, y, **kw)

    def _target_names_of_input(self, k):
        """A Series' name or a frame's column names; else y (one target) or y0, y1, ..."""
        if getattr(self, "_y_names", None) is not None and len(self._y_names) == k:
            return list(self._y_names)
        return ["y"] if k == 1 else [f"y{j}" for j in range(k)]

    def predict(self, X):
        """Predictions in the target's units: shape (rows,) or (rows, targets)."""
        out = self._outputs(X)
        return out.ravel() if self._y_ndim == 1 else out

    @available_if(_first_order)
    def partial_fit(self, X, y):
        """One epoch over X, y from the current parameters (the first call fits the scaling
        and initializes). The optimizer's state (Adam's moments, momentum) starts afresh
        each call."""
        return self._fit(X, y, incremental=True)


class MLPClassifier(ClassifierMixin, _MLPBase):
    """A multi-layer perceptron classifier (softmax output, cross-entropy) trained by annlab.

    The parameters are MLPRegressor's (without ``scale_target``); the output is a softmax
    over one node per class, so ``predict_proba`` has one column per class in ``classes_``
    (two for a binary problem). Class labels may be numbers or strings.
    """

    _classify = True

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate_init=0.001, max_iter=200,
                 shuffle=True, random_state=None, tol=1e-4, verbose=False, warm_start=False,
                 momentum=0.9, beta_1=0.9, beta_2=0.999, epsilon=1e-8, early_stopping=False,
                 validation_fraction=0.1, n_iter_no_change=10, rho=0.9, lbfgs_history=10,
                 schedule="constant", decay=0.0, decay_steps=1.0, step_size=10, factor=0.5,
                 schedule_patience=10, schedule_min_delta=0.0, min_lr=0.0,
                 init="normalized_xavier", bias_init="zeros", output_activation=None, loss=None,
                 scale="minmax01", dtype="float64", restore_best=True, probe_rows=None,
                 history_every=1, history_last=0, history_budget_mb=256.0,
                 epoch_loss="batch_mean", n_jobs=None, callback=None):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.rho = rho
        self.lbfgs_history = lbfgs_history
        self.schedule = schedule
        self.decay = decay
        self.decay_steps = decay_steps
        self.step_size = step_size
        self.factor = factor
        self.schedule_patience = schedule_patience
        self.schedule_min_delta = schedule_min_delta
        self.min_lr = min_lr
        self.init = init
        self.bias_init = bias_init
        self.output_activation = output_activation
        self.loss = loss
        self.scale = scale
        self.dtype = dtype
        self.restore_best = restore_best
        self.probe_rows = probe_rows
        self.history_every = history_every
        self.history_last = history_last
        self.history_budget_mb = history_budget_mb
        self.epoch_loss = epoch_loss
        self.n_jobs = n_jobs
        self.callback = callback

    def _targets(self, y, rows, *, continuing, classes):
        y = column_or_1d(y, warn=True)
        if y.shape[0] != rows:
            raise ValueError(f"X has {rows} rows but y has {y.shape[0]}")
        check_classification_targets(y)
        if continuing:
            known = self.classes_
        elif classes is not None:
            known = np.unique(np.asarray(classes))
        else:
            known = np.unique(y)
        unseen = np.setdiff1d(y, known)
        if unseen.size:
            raise ValueError(f"y has classes not in classes_ ({list(known)}): {list(unseen)}")
        labels = np.searchsorted(known, y).astype(np.int64)
        name = getattr(self, "_y_names", None)
        names = (list(self._target_names) if continuing
                 else [name[0]] if name else ["y"])
        return {"y": None, "labels": labels, "classes": [_class_name(c) for c in known],
                "names": names, "ndim": 1, "labels_of_classes": known}

    def _fit(self, X, y, **kw):
        name = getattr(y, "name", None)
        self._y_names = [name] if isinstance(name, str) else None
        return super()._fit(X, y, **kw)

    def predict(self, X):
        """The most probable class of each row (the first on ties)."""
        proba = self._outputs(X)
        return self.classes_[self.model_.classes_of(proba)]

    def predict_proba(self, X):
        """Class probabilities, one column per class in ``classes_`` order."""
        return self._outputs(X)

    def predict_log_proba(self, X):
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    @available_if(_first_order)
    def partial_fit(self, X, y, classes=None):
        """One epoch over X, y from the current parameters. The first call needs ``classes``
        (every class that will ever appear), as scikit-learn's."""
        if not self._fitted() and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit")
        return self._fit(X, y, incremental=True, classes=classes)

    def _more_tags(self):
        return {"multioutput": False}


# ---- model files --------------------------------------------------------------------------

def _from_model(model) -> _MLPBase:
    """A fitted estimator around a model (from a file written by Python or by the CLI)."""
    classify = model.task == "classification"
    options = json.loads(model.run_config) if model.run_config else {}
    params = params_from_options(options, classify=classify)
    est = (MLPClassifier if classify else MLPRegressor)(**params)
    names = [f["name"] for f in model.features]
    est.n_features_in_ = len(names)
    if names != [f"x{i}" for i in range(len(names))]:
        est.feature_names_in_ = np.array(names, dtype=object)
    est.model_ = model
    est.history_ = None  # a model file holds no history (annlab train --history writes it)
    est.metrics_ = {}
    for key, value in model.metrics.items():  # "test.rmse" -> metrics_["test"]["rmse"]
        split, _, metric = key.partition(".")
        est.metrics_.setdefault(split, {})[metric] = value
    est.split_ = None
    est.n_iter_ = None  # not recorded in model files
    est.t_ = 0
    est.loss_curve_ = []
    est.best_loss_ = float("nan")
    est.validation_scores_ = None
    est.best_validation_score_ = None
    est.n_layers_ = len(model.widths)
    est.n_outputs_ = model.widths[-1]
    est.out_activation_ = model.activations[-1]
    est._target_names = [t["name"] for t in model.targets]
    est._y_ndim = 1 if len(model.targets) == 1 else 2
    est._table = any(f["kind"] == "categorical" for f in model.features)
    if classify:
        est.classes_ = _labels_of(model.targets[0]["categories"])
    return est


def load_model(path):
    """A fitted MLPRegressor or MLPClassifier from a model file (``annlab train --out`` or
    ``save``). Its parameters repeat the file's run configuration."""
    return _from_model(_annlab.Model.load(str(path)))


def model_from_json(text: str, source: str = "model"):
    """As load_model, from the document's text."""
    return _from_model(_annlab.Model.from_json(text, source))
