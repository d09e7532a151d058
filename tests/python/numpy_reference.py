"""An independent NumPy transcription of the chapter's forward pass and losses, used for golden
values: finite differences through it never run annlab's code.

Parameters use the documented flat layout (docs/architecture.md): ``[W1, b1, W2, b2, ...]``,
``W_l`` of shape ``(l_l, l_(l-1))`` row-major, so ``W_l[j, i] = λ(i, j)``.
"""

import numpy as np


def activation(name, z):
    kind, _, param = name.partition(":")
    if kind == "identity":
        return z
    if kind == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if kind == "tanh":
        return np.tanh(z)
    if kind == "relu":
        return np.maximum(z, 0.0)
    if kind == "leaky_relu":
        slope = float(param) if param else 0.01
        return np.where(z > 0, z, slope * z)
    if kind == "elu":
        a = float(param) if param else 1.0
        return np.where(z > 0, z, a * (np.exp(z) - 1.0))
    if kind == "softplus":
        return np.log1p(np.exp(z))
    if kind == "softmax":
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    raise ValueError(name)


def unflatten(widths, params):
    """[(W1, b1), (W2, b2), ...] from the flat buffer."""
    layers, k = [], 0
    for l in range(1, len(widths)):
        n = widths[l] * widths[l - 1]
        W = params[k:k + n].reshape(widths[l], widths[l - 1])
        b = params[k + n:k + n + widths[l]]
        layers.append((W, b))
        k += n + widths[l]
    assert k == len(params)
    return layers


def forward(widths, activations, params, x, perturb=None):
    """Node inputs and outputs per layer for one sample x: [(z0, a0), (z1, a1), ...].

    perturb = (layer, index, "in" or "out", delta) adds delta to that node's input (before
    the activation) or output (after it); for an input node both are the predictor.
    """
    x = np.asarray(x, dtype=np.float64).copy()
    if perturb and perturb[0] == 0:
        x[perturb[1]] += perturb[3]
    values = [(x, x)]
    a = x
    for l, (W, b) in enumerate(unflatten(widths, np.asarray(params, dtype=np.float64)), start=1):
        z = W @ a + b
        if perturb and perturb[0] == l and perturb[2] == "in":
            z = z.copy()
            z[perturb[1]] += perturb[3]
        a = activation(activations[l - 1], z)
        if perturb and perturb[0] == l and perturb[2] == "out":
            a = a.copy()
            a[perturb[1]] += perturb[3]
        values.append((z, a))
    return values


def loss(kind, yhat, y):
    """One sample's loss from the network output ŷ (after the output activation)."""
    yhat, y = np.asarray(yhat), np.asarray(y)
    if kind == "half_squared_error":
        return 0.5 * np.sum((yhat - y) ** 2)
    if kind == "mean_squared_error":
        return np.mean((yhat - y) ** 2)
    if kind == "softmax_cross_entropy":
        return -np.sum(y * np.log(yhat))
    raise ValueError(kind)


def sample_loss(widths, activations, kind, params, x, y, perturb=None):
    return loss(kind, forward(widths, activations, params, x, perturb)[-1][1], y)


def central(f, h):
    return (f(h) - f(-h)) / (2.0 * h)
