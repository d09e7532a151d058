"""The glass box: a network whose every number is a NumPy array.

``Network`` wraps the C++ ``Network<T>``: its parameters are one flat buffer laid out
``[W1, b1, W2, b2, ...]`` (docs/architecture.md), shared with NumPy without a copy. ``W_l`` has
shape ``(l_l, l_(l-1))``, so ``W_l[j, i]`` is the chapter's ``λ(i, j)`` (from node i into node
j). ``Trace`` holds one forward and backward pass named the chapter's way: nodes numbered once
across the network (I1, I2, I3, H4, H5, O6), weights ``λ(i,j)``, biases ``bj``.
"""

from __future__ import annotations

import numpy as np

from . import _annlab

__all__ = ["Network", "Trace"]

_DTYPES = {"float64": np.float64, "float32": np.float32}


def _dtype_name(dtype) -> str:
    try:
        name = np.dtype(dtype).name
    except TypeError as e:
        raise TypeError(f"dtype: expected float32 or float64, got {dtype!r}") from e
    if name not in _DTYPES:
        raise ValueError(f"dtype: expected float32 or float64, got {name}")
    return name


class Network:
    """A fully connected feed-forward network with every number in view.

    Parameters
    ----------
    widths : sequence of int
        ``[l0, l1, ..., ln]``: inputs, hidden layers, outputs (the chapter's ``L``).
    activations : str or sequence of str
        One per layer 1..n (or one name for every layer): ``identity``, ``sigmoid``,
        ``tanh``, ``relu``, ``leaky_relu[:slope]``, ``elu[:a]``, ``softplus``,
        ``binary_step`` (forward only), ``softmax`` (last layer only).
    loss : str
        ``half_squared_error`` (the chapter's ½(ŷ-y)²), ``mean_squared_error`` or
        ``softmax_cross_entropy``.
    dtype : float64 or float32
        The type of the parameters and of every computation.

    Examples
    --------
    >>> net = Network([3, 2, 1], ["sigmoid", "identity"])
    >>> _ = net.initialize("xavier", "chapter_uniform", seed=13)  # the chapter's draws
    >>> round(float(net.weights(1)[0, 0]), 7)  # λ(1,4)
    0.3206631
    """

    def __init__(self, widths, activations, loss="half_squared_error", dtype="float64"):
        widths = [int(w) for w in widths]
        if isinstance(activations, str):
            activations = [activations] * max(len(widths) - 1, 0)
        core = _annlab.Network64 if _dtype_name(dtype) == "float64" else _annlab.Network32
        self._net = core(widths, [str(a) for a in activations], str(loss))

    @classmethod
    def _wrap(cls, core) -> "Network":
        net = cls.__new__(cls)
        net._net = core
        return net

    # ---- shape -----------------------------------------------------------------------------
    @property
    def widths(self) -> list:
        return list(self._net.widths)

    @property
    def activations(self) -> list:
        return list(self._net.activations)

    @property
    def loss(self) -> str:
        return self._net.loss

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(np.float64 if isinstance(self._net, _annlab.Network64) else np.float32)

    @property
    def layers(self) -> int:
        """n: the number of layers with parameters (hidden and output)."""
        return len(self.widths) - 1

    @property
    def node_names(self) -> list:
        """I1, I2, ..., H.., O..: numbered once across the network, inputs first."""
        names, k = [], 1
        for l, w in enumerate(self.widths):
            prefix = "I" if l == 0 else ("O" if l == self.layers else "H")
            names += [f"{prefix}{k + i}" for i in range(w)]
            k += w
        return names

    @property
    def weight_names(self) -> list:
        """λ(i,j) in the flat parameter order: layer by layer, by destination j, then source i."""
        first = np.cumsum([1] + self.widths)
        return [
            f"λ({first[l - 1] + i},{first[l] + j})"
            for l in range(1, self.layers + 1)
            for j in range(self.widths[l])
            for i in range(self.widths[l - 1])
        ]

    @property
    def bias_names(self) -> list:
        first = np.cumsum([1] + self.widths)
        return [f"b{first[l] + j}" for l in range(1, self.layers + 1)
                for j in range(self.widths[l])]

    # ---- parameters ------------------------------------------------------------------------
    @property
    def parameters(self) -> np.ndarray:
        """The flat parameter buffer ``[W1, b1, W2, b2, ...]``: a writable view, not a copy."""
        return self._net.parameters

    def _layer(self, layer: int) -> int:
        if not 1 <= layer <= self.layers:
            raise IndexError(f"layer {layer} is outside 1..{self.layers}")
        return layer

    def weights(self, layer: int, values=None) -> np.ndarray:
        """``W_layer`` with shape ``(l_layer, l_(layer-1))``, ``W[j, i] = λ(i, j)``.

        A view into ``values`` (the parameters by default; or a gradient from ``backward``,
        which has the same layout), so writing to it changes the network.
        """
        self._layer(layer)
        values = self.parameters if values is None else np.asarray(values)
        start = self._net.weight_offset(layer)
        rows, cols = self.widths[layer], self.widths[layer - 1]
        return values[start : start + rows * cols].reshape(rows, cols)

    def biases(self, layer: int, values=None) -> np.ndarray:
        """``b_layer`` (length ``l_layer``): a view, as ``weights``."""
        self._layer(layer)
        values = self.parameters if values is None else np.asarray(values)
        start = self._net.bias_offset(layer)
        return values[start : start + self.widths[layer]]

    def initialize(self, weights="xavier", biases="chapter_uniform", seed=0, *,
                   weight_constant=0.0, bias_constant=0.0) -> "Network":
        """Draws the parameters from NumPy's legacy generator seeded with ``seed``.

        Every weight first (layer by layer, in the flat order), then every bias: the
        chapter's order, so ``initialize("xavier", "chapter_uniform", 13)`` gives its values.
        ``weights``: xavier, normalized_xavier, he, he_uniform, zeros, constant;
        ``biases``: zeros, constant, chapter_uniform.
        """
        self._net.initialize(str(weights), str(biases), int(seed), float(weight_constant),
                             float(bias_constant))
        return self

    # ---- passes ----------------------------------------------------------------------------
    def forward(self, x) -> np.ndarray:
        """Outputs ŷ: of one sample (``(l0,)`` -> ``(ln,)``) or of rows (``(B, l0)`` ->
        ``(B, ln)``)."""
        x = np.asarray(x)
        y = self._net.forward(x)
        return y[0] if x.ndim == 1 else y

    def backward(self, x, y):
        """``(loss, gradient)``: the mean loss over the rows and its gradient, averaged over the
        rows, in the flat parameter layout (view it with ``weights(l, gradient)``)."""
        return self._net.backward(np.asarray(x), np.asarray(y))

    def trace(self, x, y) -> "Trace":
        """Every number of the forward and backward pass of ``x`` against targets ``y``.

        One sample (1-D ``x``) gives 1-D arrays; rows give arrays with one row per sample.
        """
        x = np.asarray(x)
        return Trace(self._net.trace(x, np.asarray(y)), single=x.ndim == 1)

    def gradient_check(self, x, y, eps=1e-5, floor=1e-3, inputs=True):
        """Central finite differences on every weight, bias and input against the analytic
        derivatives (float64 networks): a pandas DataFrame, one row per derivative."""
        import pandas as pd

        net = self._net if isinstance(self._net, _annlab.Network64) else self._net.to_float64()
        r = _annlab.gradient_check(net, np.asarray(x, dtype=np.float64),
                                   np.asarray(y, dtype=np.float64), eps, floor, inputs)
        cols = ["name", "kind", "layer", "analytic", "numeric", "error"]
        return pd.DataFrame({c: r[c] for c in cols})

    # ---- copies ----------------------------------------------------------------------------
    def copy(self) -> "Network":
        return Network._wrap(self._net.copy())

    def astype(self, dtype) -> "Network":
        """A copy with float32 or float64 parameters."""
        name = _dtype_name(dtype)
        if name == self.dtype.name:
            return self.copy()
        core = self._net.to_float32() if name == "float32" else self._net.to_float64()
        return Network._wrap(core)

    def __getstate__(self):
        return {"widths": self.widths, "activations": self.activations, "loss": self.loss,
                "dtype": self.dtype.name, "parameters": self.parameters.copy()}

    def __setstate__(self, state):
        self.__init__(state["widths"], state["activations"], state["loss"], state["dtype"])
        self.parameters[:] = state["parameters"]

    def __repr__(self):
        return (f"Network({self.widths}, activations={self.activations}, loss={self.loss!r}, "
                f"dtype={self.dtype.name!r})")


class Trace:
    """One forward and backward pass, every number named the chapter's way.

    Array attributes (docs/formats.md, trace object); ``B`` is the number of rows. For one
    sample (``Network.trace`` of a 1-D ``x``) the leading ``B`` axis is dropped.

    ============================  ===========  ===================================================
    attribute                     shape        meaning
    ============================  ===========  ===================================================
    node_names, node_ids          (nodes,)     I1, I2, ..., H4, ..., O6 and their numbers
    node_layers, node_index       (nodes,)     layer 0..n and index within it
    node_in                       (B, nodes)   pre-activation input (inputs: the predictor)
    node_out                      (B, nodes)   output α(in)
    dL_dnode_in, dL_dnode_out     (B, nodes)   dL/d(node input), dL/d(node output)
    weight_names, weight_from,    (weights,)   λ(i,j), i, j, layer, in flat parameter order
    weight_to, weight_layers
    weights                       (weights,)   their values
    dL_dweights                   (B, weights) dL/dλ(i,j) = out_i · dL/d(in_j), per sample
    bias_names, bias_nodes,       (biases,)    bj, j, layer
    bias_layers, biases
    dL_dbiases                    (B, biases)  dL/db_j = dL/d(in_j)
    prediction, target            (B, ln)      ŷ and y
    loss                          (B,)         L of each sample
    mean_loss                     scalar       the mean over the rows
    mean_dL_dweights,             (weights,)   the averaged gradient (the optimizer's step)
    mean_dL_dbiases               (biases,)
    ============================  ===========  ===================================================
    """

    _PER_ROW = ("node_in", "node_out", "dL_dnode_in", "dL_dnode_out", "dL_dweights",
                "dL_dbiases", "prediction", "target", "loss")

    def __init__(self, data: dict, single: bool = False):
        self.single = bool(single)
        self.rows = len(data["loss"])
        self.node_names = list(data["node_name"])
        self.node_ids = data["node_id"]
        self.node_layers = data["node_layer"]
        self.node_index = data["node_index"]
        self.weight_names = list(data["weight_name"])
        self.weight_from = data["weight_from"]
        self.weight_to = data["weight_to"]
        self.weight_layers = data["weight_layer"]
        self.weights = data["weights"]
        self.bias_names = list(data["bias_name"])
        self.bias_nodes = data["bias_node"]
        self.bias_layers = data["bias_layer"]
        self.biases = data["biases"]
        self.mean_loss = float(data["mean_loss"])
        self.mean_dL_dweights = data["mean_dL_dweights"]
        self.mean_dL_dbiases = data["mean_dL_dbiases"]
        for key in self._PER_ROW:
            value = data[key]
            setattr(self, key, value[0] if single else value)

    def _row(self, key, row):
        value = getattr(self, key)
        return value if self.single else value[row]

    @property
    def widths(self) -> list:
        return [int(n) for n in np.bincount(self.node_layers)]

    def node_frame(self, row: int = 0):
        """One row per node (index I1, H4, ...): id, layer, index, in, out, dL_din, dL_dout."""
        import pandas as pd

        return pd.DataFrame(
            {"id": self.node_ids, "layer": self.node_layers, "index": self.node_index,
             "in": self._row("node_in", row), "out": self._row("node_out", row),
             "dL_din": self._row("dL_dnode_in", row), "dL_dout": self._row("dL_dnode_out", row)},
            index=pd.Index(self.node_names, name="node"))

    def weight_frame(self, row: int = 0):
        """One row per weight (index λ(i,j)): from, to, layer, value, dL_dw (this row's)."""
        import pandas as pd

        return pd.DataFrame(
            {"from": self.weight_from, "to": self.weight_to, "layer": self.weight_layers,
             "value": self.weights, "dL_dw": self._row("dL_dweights", row)},
            index=pd.Index(self.weight_names, name="weight"))

    def bias_frame(self, row: int = 0):
        """One row per bias (index bj): node, layer, value, dL_db (this row's)."""
        import pandas as pd

        return pd.DataFrame(
            {"node": self.bias_nodes, "layer": self.bias_layers, "value": self.biases,
             "dL_db": self._row("dL_dbiases", row)},
            index=pd.Index(self.bias_names, name="bias"))

    def frame(self):
        """Every number in one long table: columns row, name, kind, layer, quantity, value.

        ``quantity`` is ``in``, ``out``, ``dL_din``, ``dL_dout`` for nodes and ``value``,
        ``dL_dθ`` for weights and biases (dL_dθ of that row's own loss).
        """
        import pandas as pd

        parts = []
        for r in range(1 if self.single else self.rows):
            nodes = self.node_frame(r)
            for q in ("in", "out", "dL_din", "dL_dout"):
                parts.append(pd.DataFrame({"row": r, "name": nodes.index, "kind": "node",
                                           "layer": nodes["layer"].to_numpy(), "quantity": q,
                                           "value": nodes[q].to_numpy()}))
            for kind, f, grad in (("weight", self.weight_frame(r), "dL_dw"),
                                  ("bias", self.bias_frame(r), "dL_db")):
                for q, col in (("value", "value"), ("dL_dθ", grad)):
                    parts.append(pd.DataFrame({"row": r, "name": f.index, "kind": kind,
                                               "layer": f["layer"].to_numpy(), "quantity": q,
                                               "value": f[col].to_numpy()}))
        return pd.concat(parts, ignore_index=True)

    def __getitem__(self, name: str):
        """A node's output (per row), a weight's or a bias's value, by name: ``t["H4"]``,
        ``t["λ(1,4)"]``, ``t["b6"]``."""
        if name in self.node_names:
            return self.node_out[..., self.node_names.index(name)]
        if name in self.weight_names:
            return float(self.weights[self.weight_names.index(name)])
        if name in self.bias_names:
            return float(self.biases[self.bias_names.index(name)])
        raise KeyError(f"{name!r} is not a node, weight or bias of this network")

    def __repr__(self):
        rows = "1 sample" if self.single else f"{self.rows} rows"
        shape = "-".join(map(str, self.widths))
        return f"<annlab.Trace {shape}, {rows}, mean loss {self.mean_loss:.6g}>"
