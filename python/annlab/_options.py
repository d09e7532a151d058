"""Estimator parameters <-> annlab run options (the CLI's keys, docs/cli.md).

An estimator's parameters become a JSON object of run options that the C++ library parses
with the same checks and messages as ``annlab train --config``; the model file stores the
result, so ``annlab train data.csv --config <run_config>`` repeats a Python fit.
"""

from __future__ import annotations

import json
import numbers
import os
import re

import numpy as np

from . import _annlab

# estimator parameter -> run option
OPTION_OF = {
    "hidden_layer_sizes": "layers",
    "activation": "activation",
    "solver": "optimizer",
    "alpha": "weight_decay",
    "batch_size": "batch",
    "learning_rate_init": "lr",
    "max_iter": "epochs",
    "shuffle": "shuffle",
    "epoch_loss": "epoch_loss",
    "n_jobs": "threads",
    "random_state": "seed",
    "tol": "min_delta",
    "momentum": "momentum",
    "beta_1": "beta1",
    "beta_2": "beta2",
    "epsilon": "epsilon",
    "early_stopping": "validation",
    "validation_fraction": "validation",
    "n_iter_no_change": "patience",
    "rho": "rho",
    "lbfgs_history": "lbfgs_history",
    "schedule": "schedule",
    "decay": "decay",
    "decay_steps": "decay_steps",
    "step_size": "step_size",
    "factor": "factor",
    "schedule_patience": "schedule_patience",
    "schedule_min_delta": "schedule_min_delta",
    "min_lr": "min_lr",
    "init": "init",
    "bias_init": "bias_init",
    "output_activation": "output",
    "loss": "loss",
    "scale": "scale",
    "scale_target": "scale_target",
    "dtype": "dtype",
    "restore_best": "restore_best",
    "probe_rows": "probe_rows",
    "history_every": "history_every",
    "history_last": "history_last",
    "history_budget_mb": "history_budget_mb",
}
PARAM_OF = {}
for _p, _o in OPTION_OF.items():
    PARAM_OF.setdefault(_o, _p)
PARAM_OF["validation"] = "validation_fraction"
PARAM_OF["early_stopping"] = "n_iter_no_change"
PARAM_OF["min_delta"] = "tol"

# scikit-learn's activation names that annlab spells differently.
_ACTIVATION_ALIASES = {"logistic": "sigmoid"}
_SEED_LIMIT = 2**32


def _integer(name, v, low=None):
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral):
        raise TypeError(f"{name}: expected an integer, got {v!r}")
    v = int(v)
    if low is not None and v < low:
        raise ValueError(f"{name}: expected an integer >= {low}, got {v}")
    return v


def _real(name, v):
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real):
        raise TypeError(f"{name}: expected a number, got {v!r}")
    return float(v)


def _boolean(name, v):
    if not isinstance(v, (bool, np.bool_)):
        raise TypeError(f"{name}: expected True or False, got {v!r}")
    return bool(v)


def _text(name, v):
    if not isinstance(v, str):
        raise TypeError(f"{name}: expected a string, got {v!r}")
    return v


def _names(name, v):
    """A name, or a sequence of names (one per hidden layer)."""
    if isinstance(v, str):
        return [v]
    try:
        items = list(v)
    except TypeError:
        raise TypeError(f"{name}: expected a string or a sequence of strings, got {v!r}") from None
    return [_text(name, a) for a in items]


def threads_of(n_jobs) -> int:
    """scikit-learn's n_jobs as the run option threads: None is 0 (ANNLAB_THREADS, else 1);
    -1 every CPU this process may run on, -2 all but one, and so on (joblib's rule); the
    engine uses at most two (its work is cut in two)."""
    if n_jobs is None:
        return 0
    n = _integer("n_jobs", n_jobs)
    if n == 0:
        raise ValueError("n_jobs: expected None, a positive integer or a negative one "
                         "(-1: every CPU), got 0")
    if n < 0:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
            else (os.cpu_count() or 1)
        n = max(1, cpus + 1 + n)
    return min(n, 1024)


def seed_of(random_state) -> int:
    """scikit-learn's random_state as annlab's 32-bit seed: an int is the seed itself; None or
    a RandomState draws one (from NumPy's global generator for None)."""
    if random_state is None or isinstance(random_state, np.random.RandomState):
        rs = np.random.mtrand._rand if random_state is None else random_state
        return int(rs.randint(0, _SEED_LIMIT, dtype=np.int64))
    seed = _integer("random_state", random_state)
    if not 0 <= seed < _SEED_LIMIT:
        raise ValueError(f"random_state: expected an integer in [0, 2**32), got {seed}")
    return seed


def run_options(params: dict, *, rows: int, classify: bool) -> dict:
    """The run options (CLI keys) for an estimator's parameters and a fit on ``rows`` rows.

    Where scikit-learn's meaning is kept: ``batch_size="auto"`` is ``min(200, rows)`` (every
    row for lbfgs, a full-batch method); without ``early_stopping``, training stops when the
    training loss has not improved by more than ``tol`` for ``n_iter_no_change`` epochs (None:
    never); with it, ``validation_fraction`` of the rows are held out (stratified for classes)
    and their loss is watched instead.
    """
    p = params
    o = {}
    hidden = p["hidden_layer_sizes"]
    if isinstance(hidden, numbers.Integral) and not isinstance(hidden, bool):
        hidden = [hidden]
    try:
        o["layers"] = [_integer("hidden_layer_sizes", w) for w in hidden]
    except TypeError:
        raise TypeError(f"hidden_layer_sizes: expected a sequence of integers, got {hidden!r}") \
            from None
    o["activation"] = [_ACTIVATION_ALIASES.get(a, a) for a in _names("activation", p["activation"])]
    o["optimizer"] = _text("solver", p["solver"])
    lbfgs = o["optimizer"].lower().replace("-", "_") in ("lbfgs", "l_bfgs")
    o["weight_decay"] = _real("alpha", p["alpha"])
    batch = p["batch_size"]
    if lbfgs:
        o["batch"] = 0
    elif isinstance(batch, str) and batch == "auto":
        o["batch"] = min(200, rows)
    else:
        o["batch"] = _integer("batch_size", batch)
    o["lr"] = _real("learning_rate_init", p["learning_rate_init"])
    o["epochs"] = _integer("max_iter", p["max_iter"])
    o["shuffle"] = _boolean("shuffle", p["shuffle"])
    o["epoch_loss"] = _text("epoch_loss", p["epoch_loss"])
    o["threads"] = threads_of(p["n_jobs"])
    o["seed"] = seed_of(p["random_state"])
    for key, name in (("momentum", "momentum"), ("beta1", "beta_1"), ("beta2", "beta_2"),
                      ("epsilon", "epsilon"), ("rho", "rho"), ("decay", "decay"),
                      ("decay_steps", "decay_steps"), ("factor", "factor"),
                      ("schedule_min_delta", "schedule_min_delta"), ("min_lr", "min_lr"),
                      ("history_budget_mb", "history_budget_mb")):
        o[key] = _real(name, p[name])
    for key, name in (("lbfgs_history", "lbfgs_history"), ("step_size", "step_size"),
                      ("schedule_patience", "schedule_patience"),
                      ("history_every", "history_every"), ("history_last", "history_last")):
        o[key] = _integer(name, p[name])
    o["schedule"] = _text("schedule", p["schedule"])
    o["init"] = _text("init", p["init"])
    o["bias_init"] = _text("bias_init", p["bias_init"])
    if p["output_activation"] is not None:
        o["output"] = _ACTIVATION_ALIASES.get(p["output_activation"], p["output_activation"])
        _text("output_activation", o["output"])
    if p["loss"] is not None:
        o["loss"] = _text("loss", p["loss"])
    o["scale"] = _text("scale", p["scale"])
    if not classify:
        o["scale_target"] = _text("scale_target", p["scale_target"])
    else:
        o["class_target"] = True
    o["dtype"] = np.dtype(p["dtype"]).name if not isinstance(p["dtype"], str) else p["dtype"]
    o["restore_best"] = _boolean("restore_best", p["restore_best"])
    if p["probe_rows"] is not None:
        rows_ = [p["probe_rows"]] if isinstance(p["probe_rows"], numbers.Integral) \
            else list(p["probe_rows"])
        o["probe_rows"] = [_integer("probe_rows", r, low=0) for r in rows_]
    else:
        o["history_every"] = 0
    early = _boolean("early_stopping", p["early_stopping"])
    o["validation"] = _real("validation_fraction", p["validation_fraction"]) if early else 0.0
    patience = p["n_iter_no_change"]
    o["early_stopping"] = patience is not None
    if patience is not None:
        o["patience"] = _integer("n_iter_no_change", patience)
    o["min_delta"] = _real("tol", p["tol"])
    return o


_KEY_IN_MESSAGE = re.compile(r"^(?P<source>[^:]*): '(?P<key>\w+)': ")


def checked_config(options: dict, source: str) -> str:
    """The options as JSON, checked by the library's run-configuration parser (the CLI's
    messages, with the estimator's parameter named next to the option it set)."""
    text = json.dumps(options)
    try:
        _annlab.run_config(text, source)
    except ValueError as e:
        message = str(e)
        m = _KEY_IN_MESSAGE.match(message)
        if m and m.group("key") in PARAM_OF:
            message = (f"{m.group('source')}: {PARAM_OF[m.group('key')]} "
                       f"(run option '{m.group('key')}'): {message[m.end():]}")
        raise ValueError(message) from None
    return text


def params_from_options(options: dict, *, classify: bool) -> dict:
    """Estimator parameters that repeat a run configuration (a model file's run_config, from
    Python or the CLI). Options without an estimator counterpart (test, kfold, drop, ...) are
    left out."""
    o = options
    p = {}
    p["hidden_layer_sizes"] = tuple(int(w) for w in o.get("layers", [100]))
    acts = o.get("activation") or ["relu"]
    p["activation"] = acts[0] if len(acts) == 1 else tuple(acts)
    p["solver"] = o.get("optimizer", "adam")
    p["alpha"] = float(o.get("weight_decay", 0.0))
    p["batch_size"] = int(o.get("batch", 32))
    p["learning_rate_init"] = float(o.get("lr", 0.001))
    p["max_iter"] = int(o.get("epochs", 200))
    p["shuffle"] = bool(o.get("shuffle", True))
    p["epoch_loss"] = o.get("epoch_loss", "full_pass")  # a file from before the option: full
    p["random_state"] = int(o.get("seed", 0))
    p["tol"] = float(o.get("min_delta", 0.0))
    for name in ("momentum", "epsilon", "rho", "decay", "decay_steps", "factor",
                 "schedule_min_delta", "min_lr", "history_budget_mb"):
        if name in o:
            p[name] = float(o[name])
    if "beta1" in o:
        p["beta_1"] = float(o["beta1"])
    if "beta2" in o:
        p["beta_2"] = float(o["beta2"])
    for name in ("lbfgs_history", "step_size", "schedule_patience", "history_every",
                 "history_last"):
        if name in o:
            p[name] = int(o[name])
    for name in ("schedule", "init", "bias_init", "scale", "dtype"):
        if name in o:
            p[name] = o[name]
    if not classify and "scale_target" in o:
        p["scale_target"] = o["scale_target"]
    p["output_activation"] = o.get("output")
    p["loss"] = o.get("loss")
    p["restore_best"] = bool(o.get("restore_best", True))
    p["probe_rows"] = tuple(o["probe_rows"]) if o.get("probe_rows") else None
    validation = float(o.get("validation", 0.0))
    p["early_stopping"] = validation > 0
    if validation > 0:
        p["validation_fraction"] = validation
    p["n_iter_no_change"] = int(o.get("patience", 10)) if o.get("early_stopping") else None
    return p
