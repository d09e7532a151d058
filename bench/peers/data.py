"""The benchmark's data, made once with NumPy from fixed seeds and read by every framework.

Everything is a raw little-endian array, row-major, in one folder (see write()):

  w1_init.f64         the chapter's 11 parameters: np.random.seed(13), Xavier weights
                      U[-1/sqrt(p), 1/sqrt(p)] then biases (u - 0.5)·0.5, in the chapter's draw
                      order (tools/chapter_numpy.py); bench_workloads checks they are exactly
                      annlab's chapter_network(13)
  w2_x.f32, w2_y.f32  W2 regression, rows x 8 and rows: x ~ N(0, 1), y a fixed smooth function
                      of x plus noise, standardized (mean 0, variance 1)
  w2_init.f32         8-64-64-1 initial parameters (used by both the relu and tanh variants)
  w2_order.i64        epochs x rows: the row order of each W2 epoch (see annlab_orders)
  w3_x.f32            W3 classification, rows x 784: x = 0.1·center[label] + N(0, 1), ten
                      centers ~ N(0, 1)
  w3_labels.i32       rows, labels 0..9 (uniform)
  w3_init.f32         784-512-512-10 initial parameters
  w3_order.i64        epochs x rows, as w2_order
  manifest.json       the sizes and seeds these files were made with (they are remade when the
                      requested ones differ)

Initial parameters are in annlab's flat layout [W1 b1 W2 b2 ...], W_l out x in row-major (the
layout of PyTorch's nn.Linear.weight), drawn from PyTorch's default nn.Linear distribution:
weights and biases U[-1/sqrt(in), 1/sqrt(in)] (annlab calls it "xavier"). Every framework
loads them, so all start from the same point.
"""
import json
import os

import numpy as np

VERSION = 1
SEED = 6  # issue #6; data, initial parameters and fit()'s shuffling seed
W2_WIDTHS = [8, 64, 64, 1]
W3_WIDTHS = [784, 512, 512, 10]


def chapter_init(seed=13):
    """The chapter's 3-2-1 parameters in annlab's flat layout
    [λ14 λ24 λ34 λ15 λ25 λ35, b4 b5, λ46 λ56, b6] (tools/chapter_numpy.py's draws)."""
    rs = np.random.RandomState(seed)
    lo3, hi3 = -1 / np.sqrt(3), 1 / np.sqrt(3)
    lo2, hi2 = -1 / np.sqrt(2), 1 / np.sqrt(2)
    w1 = [lo3 + (hi3 - lo3) * rs.random_sample() for _ in range(6)]  # into H4, then H5
    w2 = [lo2 + (hi2 - lo2) * rs.random_sample() for _ in range(2)]  # into O6
    b = [(rs.random_sample() - 0.5) * 0.5 for _ in range(3)]  # b4, b5, b6
    return np.array(w1 + b[:2] + w2 + b[2:], dtype=np.float64)


def chapter_reference(steps, lr=0.2):
    """O6 after `steps` gradient-descent steps of the chapter's example, computed node by node
    in float64 as tools/chapter_numpy.py does (the reference for W1's check)."""
    p = chapter_init()
    x, y = np.array([0.5, 0.2, 0.7]), 0.3
    w1, b1, w2, b2 = p[:6].reshape(2, 3), p[6:8], p[8:10], p[10]
    for _ in range(steps + 1):
        h = 1 / (1 + np.exp(-(w1 @ x + b1)))
        o = w2 @ h + b2
        if _ == steps:
            return float(o)
        d = o - y  # dL/dO6 for L = ½(O6 - y)²
        dh = w2 * d * h * (1 - h)
        w2, b2 = w2 - lr * d * h, b2 - lr * d
        w1, b1 = w1 - lr * np.outer(dh, x), b1 - lr * dh


def linear_init(widths, rs):
    """PyTorch's default nn.Linear initialization, layer by layer (W then b), flat."""
    parts = []
    for fan_in, fan_out in zip(widths[:-1], widths[1:]):
        bound = 1.0 / np.sqrt(fan_in)
        parts.append(rs.uniform(-bound, bound, size=fan_out * fan_in))
        parts.append(rs.uniform(-bound, bound, size=fan_out))
    return np.concatenate(parts).astype(np.float32)


def unflatten(flat, widths):
    """[(W (out x in), b (out)), ...] views of a flat parameter vector."""
    layers, o = [], 0
    for fan_in, fan_out in zip(widths[:-1], widths[1:]):
        w = flat[o:o + fan_out * fan_in].reshape(fan_out, fan_in)
        o += fan_out * fan_in
        layers.append((w, flat[o:o + fan_out]))
        o += fan_out
    assert o == flat.size, (o, flat.size)
    return layers


def annlab_orders(rows, epochs, seed):
    """The row order of every epoch of annlab::fit (trainer.hpp): each epoch starts from
    0..rows-1 and runs Fisher-Yates, for i = rows-1 down to 1 swap(order[i], order[j]) with
    j = NumpyRandom::below(i + 1), from one MT19937 stream seeded like np.random.seed(seed)
    that runs across epochs. below(n) takes v = (a << 32) | b from two 32-bit outputs and
    returns v % n unless v >= 2^64-1 - (2^64-1) % n (then it draws again)."""
    bg = np.random.MT19937(0)
    bg._legacy_seeding(seed)  # np.random.seed(seed): init_genrand(seed)
    top = np.uint64(0xFFFFFFFFFFFFFFFF)
    out = np.empty((epochs, rows), dtype=np.int64)
    n = np.arange(rows, 1, -1, dtype=np.uint64)  # i + 1 for i = rows-1 .. 1
    for e in range(epochs):
        state = bg.state
        raw = bg.random_raw(2 * (rows - 1)).astype(np.uint64)  # 32-bit outputs
        v = (raw[0::2] << np.uint64(32)) | raw[1::2]
        if np.any(v >= top - top % n):  # a rejection (p < 1e-14): redo draw by draw
            bg.state = state
            v = np.empty(rows - 1, dtype=np.uint64)
            for k, m in enumerate(n):
                while True:
                    a, b = bg.random_raw(2).astype(np.uint64)
                    v[k] = (a << np.uint64(32)) | b
                    if v[k] < top - top % m:
                        break
        j = (v % n).tolist()
        order = list(range(rows))
        for i, jj in zip(range(rows - 1, 0, -1), j):
            order[i], order[jj] = order[jj], order[i]
        out[e] = order
    return out


def w2_data(rows, rs):
    x = rs.standard_normal((rows, 8))
    y = (np.sin(2 * x[:, 0]) + 0.5 * x[:, 1] * x[:, 2] - 0.3 * x[:, 3] ** 2 + 0.2 * x[:, 4] +
         np.tanh(x[:, 5] - x[:, 6]) + 0.1 * x[:, 7] + 0.1 * rs.standard_normal(rows))
    y = (y - y.mean()) / y.std()
    return x.astype(np.float32), y.astype(np.float32)


def w3_data(rows, rs):
    labels = rs.randint(0, 10, size=rows).astype(np.int32)
    centers = rs.standard_normal((10, 784))
    x = np.empty((rows, 784), dtype=np.float32)
    for s in range(0, rows, 10000):  # in chunks: 60,000 x 784 doubles would be 376 MB
        e = min(rows, s + 10000)
        x[s:e] = 0.1 * centers[labels[s:e]] + rs.standard_normal((e - s, 784))
    return x, labels


def write(folder, w2_rows, w2_epochs, w3_rows, w3_epochs, seed=SEED):
    """Makes the files (unless the folder already holds these sizes). Returns the manifest."""
    manifest = dict(version=VERSION, seed=seed, w2_rows=w2_rows, w2_epochs=w2_epochs,
                    w3_rows=w3_rows, w3_epochs=w3_epochs)
    path = os.path.join(folder, "manifest.json")
    if os.path.exists(path):
        with open(path) as f:
            if json.load(f) == manifest:
                return manifest
    os.makedirs(folder, exist_ok=True)

    def save(name, a):
        a.tofile(os.path.join(folder, name))

    save("w1_init.f64", chapter_init())
    x, y = w2_data(w2_rows, np.random.RandomState(seed))
    save("w2_x.f32", x)
    save("w2_y.f32", y)
    save("w2_init.f32", linear_init(W2_WIDTHS, np.random.RandomState(seed + 1)))
    save("w2_order.i64", annlab_orders(w2_rows, w2_epochs, seed))
    x, labels = w3_data(w3_rows, np.random.RandomState(seed + 2))
    save("w3_x.f32", x)
    save("w3_labels.i32", labels)
    save("w3_init.f32", linear_init(W3_WIDTHS, np.random.RandomState(seed + 3)))
    save("w3_order.i64", annlab_orders(w3_rows, w3_epochs, seed))
    with open(path, "w") as f:  # last: a folder with a manifest is complete
        json.dump(manifest, f)
    return manifest


def load(folder, name, dtype, shape):
    """One file as a NumPy array of `shape` (checked against the file's size; -1 in shape:
    whatever the file holds)."""
    a = np.fromfile(os.path.join(folder, name), dtype=dtype)
    if -1 not in shape and a.size != int(np.prod(shape)):
        raise SystemExit(f"{folder}/{name}: {a.size} values, expected {shape}")
    return a.reshape(shape)
