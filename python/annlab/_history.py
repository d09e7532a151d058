"""Recorded runs: a training history (one record per epoch, and the probe rows' full traces at
the epochs recorded) and the chapter's worked example (every state traced)."""

from __future__ import annotations

import os
import tempfile

import numpy as np

from . import _annlab
from ._network import Network, Trace

__all__ = ["History", "TraceHistory", "ChapterRun", "chapter"]


def _write_atomically(path, text: str) -> None:
    """Writes ``text`` to ``path`` through a temporary file in the same folder and a rename,
    so a reader never sees half a file (the CLI's rule)."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".annlab-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class TraceHistory:
    """Full traces of the same rows at several epochs: the probe rows of a training run, or
    the chapter's one sample at every epoch.

    ``epochs[k]`` is the number of parameter updates (epochs) made before ``traces[k]``;
    epoch 0 is the initial state. Each trace carries that state's weights and biases.
    """

    def __init__(self, widths, activations, loss, epochs, traces):
        self.widths = list(widths)
        self.activations = list(activations)
        self.loss = loss
        self.epochs = np.asarray(epochs, dtype=np.int64)
        self.traces = list(traces)

    def __len__(self):
        return len(self.traces)

    def at(self, epoch: int) -> Trace:
        """The trace of the state after ``epoch`` epochs (it must have been recorded)."""
        hits = np.flatnonzero(self.epochs == epoch)
        if hits.size == 0:
            shown = ", ".join(map(str, self.epochs[:10]))
            shown += ", ..." if len(self.epochs) > 10 else ""
            raise KeyError(f"epoch {epoch} was not recorded (recorded: {shown})")
        return self.traces[int(hits[0])]

    def network(self, epoch: int) -> Network:
        """A network holding the parameters of the state after ``epoch`` epochs."""
        t = self.at(epoch)
        net = Network(self.widths, self.activations, self.loss)
        for l in range(1, net.layers + 1):
            net.weights(l)[:] = t.weights[t.weight_layers == l].reshape(self.widths[l],
                                                                        self.widths[l - 1])
            net.biases(l)[:] = t.biases[t.bias_layers == l]
        return net

    def frame(self):
        """One row per recorded epoch: mean loss, each output node's prediction for each row
        (``O6[0]``), every weight and bias by name."""
        import pandas as pd

        first = self.traces[0]
        last = len(self.widths) - 1
        outputs = [n for n, l in zip(first.node_names, first.node_layers) if l == last]
        data = {"loss": [t.mean_loss for t in self.traces]}
        for k, name in enumerate(outputs):
            for r in range(first.rows):
                data[f"{name}[{r}]"] = [np.atleast_2d(t.prediction)[r, k] for t in self.traces]
        for i, name in enumerate(first.weight_names):
            data[name] = [t.weights[i] for t in self.traces]
        for i, name in enumerate(first.bias_names):
            data[name] = [t.biases[i] for t in self.traces]
        return pd.DataFrame(data, index=pd.Index(self.epochs, name="epoch"))

    def __repr__(self):
        span = f"epochs {self.epochs[0]}..{self.epochs[-1]}" if len(self) else "empty"
        shape = "-".join(map(str, self.widths))
        return f"<annlab.TraceHistory {shape}, {len(self)} states, {span}>"


class History:
    """A training run's record: one entry per completed epoch, and the probe rows' traces.

    Arrays (one value per epoch): ``epoch`` (1-based), ``learning_rate``, ``train_loss``,
    ``validation_loss`` (NaN without validation rows), ``seconds``; ``train_metrics`` and
    ``validation_metrics`` map a metric (``rmse``, ``mae``, ``r2`` or ``accuracy``,
    ``log_loss``, in the data's units) to its array. Losses are the network's own (model
    units, without the L2 term). ``probes`` is a ``TraceHistory`` of the probe rows (epoch 0
    and the epochs recorded) or None. ``best_epoch``, ``stopped_early``, ``interrupted``,
    ``converged`` (L-BFGS found no lower loss) describe how training ended.
    """

    def __init__(self, core):
        self._core = core
        self._json = None
        self._set(core.data(), core.widths, core.activations, core.loss)

    def _set(self, d, widths, activations, loss):
        self._data = d
        self._arch = (list(widths), list(activations), loss)
        self.epoch = d["epoch"]
        self.learning_rate = d["learning_rate"]
        self.train_loss = d["train_loss"]
        self.validation_loss = d["validation_loss"]
        self.seconds = d["seconds"]
        self.train_metrics = dict(d["train_metrics"])
        self.validation_metrics = dict(d["validation_metrics"])
        self.best_epoch = int(d["best_epoch"])
        self.stopped_early = bool(d["stopped_early"])
        self.interrupted = bool(d["interrupted"])
        self.converged = bool(d["converged"])
        probes = d["probes"]
        self.probes = (
            TraceHistory(widths, activations, loss, [p["epoch"] for p in probes],
                         [Trace(p["trace"]) for p in probes])
            if probes else None)

    def __len__(self):
        return len(self.epoch)

    def frame(self):
        """One row per epoch: learning_rate, train_loss, validation_loss, train_<metric>...,
        validation_<metric>..., seconds (the CLI's --history-csv columns)."""
        import pandas as pd

        data = {"learning_rate": self.learning_rate, "train_loss": self.train_loss,
                "validation_loss": self.validation_loss}
        data.update({f"train_{k}": v for k, v in self.train_metrics.items()})
        data.update({f"validation_{k}": v for k, v in self.validation_metrics.items()})
        data["seconds"] = self.seconds
        return pd.DataFrame(data, index=pd.Index(self.epoch, name="epoch"))

    def to_json(self) -> str:
        """The ``annlab.history`` document (docs/formats.md) that ``annlab train --history``
        writes and the dashboard reads."""
        if self._json is None:
            self._json = self._core.to_json(-1)
        return self._json

    def save(self, path) -> None:
        """Writes ``to_json()`` to ``path`` atomically."""
        _write_atomically(path, self.to_json() + "\n")

    def __getstate__(self):
        return {"data": self._data, "arch": self._arch, "json": self.to_json()}

    def __setstate__(self, state):
        self._core = None
        self._json = state["json"]
        self._set(state["data"], *state["arch"])

    def __repr__(self):
        how = ("interrupted" if self.interrupted else "stopped early" if self.stopped_early
               else "converged" if self.converged else "completed")
        last = f", last train_loss {self.train_loss[-1]:.6g}" if len(self) else ""
        return f"<annlab.History {len(self)} epochs ({how}){last}>"


class ChapterRun(TraceHistory):
    """The chapter's worked example, every state traced (``annlab.chapter()``).

    ``x``, ``y``: the sample; ``learning_rate``, ``seed``; ``traces[e]`` is the state after
    ``e`` epochs of full-batch gradient descent.
    """

    def __init__(self, d):
        super().__init__(d["widths"], d["activations"], d["loss"], range(len(d["states"])),
                         [Trace(s, single=True) for s in d["states"]])
        self.x = np.asarray(d["x"])
        self.y = np.asarray(d["y"])
        self.learning_rate = float(d["learning_rate"])
        self.seed = int(d["seed"])
        self._json = d.get("json")

    def to_json(self) -> str:
        """The ``annlab.history`` document, as ``annlab chapter --json`` prints it."""
        if self._json is None:
            self._json = chapter(len(self) - 1, self.learning_rate, self.seed, self.x, self.y,
                                 _json=True)._json
        return self._json


def chapter(epochs: int = 1000, learning_rate: float = 0.2, seed: int = 13,
            x=(0.5, 0.2, 0.7), y=(0.3,), *, _json: bool = False) -> ChapterRun:
    """The chapter's worked example: 3-2-1 network, sigmoid hidden, identity output,
    ½(ŷ-y)², full-batch gradient descent, parameters from NumPy's legacy generator.

    >>> run = chapter()
    >>> round(float(run.at(0).prediction[0]), 7)   # O6 at epoch 0
    0.0991164
    """
    d = _annlab.chapter(int(epochs), float(learning_rate), int(seed),
                        [float(v) for v in x], [float(v) for v in y], bool(_json))
    return ChapterRun(d)
