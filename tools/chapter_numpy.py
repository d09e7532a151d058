#!/usr/bin/python3
"""The chapter's worked example, run the chapter's way: scalar NumPy loops, node by node.

This is the independent source of annlab's golden numbers (tests/fixtures/chapter_seed13.json).
It shares no code with annlab: parameters come from NumPy's own legacy generator
(np.random.seed / np.random.random), the forward pass and every derivative are written out
per node as the chapter derives them, and the update is the chapter's loop (its code keeps
d = y - ŷ, the negative gradient; we store true gradients and subtract, the same step).

Output: an "annlab.history" document (docs/formats.md) holding, for every epoch e = 0..E,
the state after e updates: weights, biases, node inputs/outputs, every loss derivative.

    /usr/bin/python3 tools/chapter_numpy.py > tests/fixtures/chapter_seed13.json
"""
import argparse
import json
import sys

import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=1000)
    ap.add_argument("--lr", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args()

    x1, x2, x3 = 0.5, 0.2, 0.7  # I1, I2, I3
    y = 0.3
    eta = args.lr

    # Initialization, in the chapter's draw order: Xavier weights U[-1/sqrt(p), 1/sqrt(p)]
    # (p = inputs to the node), then biases (u - 0.5) * 0.5.
    np.random.seed(args.seed)
    lo3, hi3 = -1 / np.sqrt(3), 1 / np.sqrt(3)
    lo2, hi2 = -1 / np.sqrt(2), 1 / np.sqrt(2)
    l14 = lo3 + (hi3 - lo3) * np.random.random()
    l24 = lo3 + (hi3 - lo3) * np.random.random()
    l34 = lo3 + (hi3 - lo3) * np.random.random()
    l15 = lo3 + (hi3 - lo3) * np.random.random()
    l25 = lo3 + (hi3 - lo3) * np.random.random()
    l35 = lo3 + (hi3 - lo3) * np.random.random()
    l46 = lo2 + (hi2 - lo2) * np.random.random()
    l56 = lo2 + (hi2 - lo2) * np.random.random()
    b4 = (np.random.random() - 0.5) * 0.5
    b5 = (np.random.random() - 0.5) * 0.5
    b6 = (np.random.random() - 0.5) * 0.5

    epochs = []
    for epoch in range(args.epochs + 1):
        # forward pass
        h4_in = l14 * x1 + l24 * x2 + l34 * x3 + b4
        h5_in = l15 * x1 + l25 * x2 + l35 * x3 + b5
        h4 = sigmoid(h4_in)
        h5 = sigmoid(h5_in)
        o6_in = l46 * h4 + l56 * h5 + b6
        o6 = o6_in  # identity output
        loss = 0.5 * (o6 - y) ** 2

        # back propagation, node by node (true derivatives of L = ½(O6 - y)²)
        dO6 = o6 - y                      # dL/dO6
        dO6_in = 1.0 * dO6                # identity node
        dl46 = h4 * dO6_in                # weight: output of node i · dL/d(input of j)
        dl56 = h5 * dO6_in
        db6 = dO6_in
        dH4 = l46 * dO6_in                # along a connection
        dH5 = l56 * dO6_in
        dH4_in = h4 * (1 - h4) * dH4      # sigmoid node: σ' = σ(1-σ)
        dH5_in = h5 * (1 - h5) * dH5
        dl14, dl24, dl34 = x1 * dH4_in, x2 * dH4_in, x3 * dH4_in
        dl15, dl25, dl35 = x1 * dH5_in, x2 * dH5_in, x3 * dH5_in
        db4, db5 = dH4_in, dH5_in
        dI1 = l14 * dH4_in + l15 * dH5_in  # paths meeting at an input add up
        dI2 = l24 * dH4_in + l25 * dH5_in
        dI3 = l34 * dH4_in + l35 * dH5_in

        weights = [l14, l24, l34, l15, l25, l35, l46, l56]
        biases = [b4, b5, b6]
        dweights = [dl14, dl24, dl34, dl15, dl25, dl35, dl46, dl56]
        dbiases = [db4, db5, db6]
        trace = {
            "loss": loss,
            "prediction": [o6],
            "target": [y],
            "node_in": [x1, x2, x3, h4_in, h5_in, o6_in],
            "node_out": [x1, x2, x3, h4, h5, o6],
            "dL_dnode_in": [dI1, dI2, dI3, dH4_in, dH5_in, dO6_in],
            "dL_dnode_out": [dI1, dI2, dI3, dH4, dH5, dO6],
            "dL_dweights": dweights,
            "dL_dbiases": dbiases,
        }
        epochs.append({
            "epoch": epoch, "loss": loss, "weights": weights, "biases": biases,
            "dL_dweights": dweights, "dL_dbiases": dbiases, "traces": [trace],
        })

        if epoch == args.epochs:
            break
        # update: gradient descent, λ ← λ - η·dL/dλ
        l14 -= eta * dl14; l24 -= eta * dl24; l34 -= eta * dl34
        l15 -= eta * dl15; l25 -= eta * dl25; l35 -= eta * dl35
        l46 -= eta * dl46; l56 -= eta * dl56
        b4 -= eta * db4; b5 -= eta * db5; b6 -= eta * db6

    doc = {
        "format": "annlab.history",
        "version": 1,
        "generator": "tools/chapter_numpy.py",
        "network": {
            "widths": [3, 2, 1], "activations": ["sigmoid", "identity"],
            "loss": "half_squared_error",
            "nodes": [{"id": i, "name": n, "layer": l, "index": k} for i, n, l, k in [
                (1, "I1", 0, 0), (2, "I2", 0, 1), (3, "I3", 0, 2),
                (4, "H4", 1, 0), (5, "H5", 1, 1), (6, "O6", 2, 0)]],
            "weights": [{"name": "λ(%d,%d)" % (i, j), "from": i, "to": j,
                         "layer": 1 if j < 6 else 2}
                        for i, j in [(1, 4), (2, 4), (3, 4), (1, 5), (2, 5), (3, 5), (4, 6), (5, 6)]],
            "biases": [{"name": "b%d" % j, "node": j, "layer": 1 if j < 6 else 2}
                       for j in (4, 5, 6)],
        },
        "run": {"optimizer": "gd", "batch": "full", "learning_rate": eta,
                "epochs": args.epochs, "seed": args.seed,
                "init": {"weights": "xavier", "biases": "chapter_uniform"}},
        "samples": [{"x": [x1, x2, x3], "y": [y]}],
        "epochs": epochs,
    }
    # Python's float repr is the shortest string that reads back to the same double.
    json.dump(doc, sys.stdout, ensure_ascii=False, separators=(",", ":"),
              default=float)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
