"""scikit-learn peer of bench_workloads: MLPRegressor / MLPClassifier configured as close to
the workloads as they allow, on the same data, initial parameters and row order. One JSON line
per measurement; threads: threadpoolctl on the BLAS NumPy calls (run.py also sets
OPENBLAS_NUM_THREADS / OMP_NUM_THREADS). Options: common.parse_args.

How each setting is matched (scikit-learn 1.2):
  - initial parameters: subclasses override _init_coef, which fit() calls once per layer, to
    return data.py's parameters (coefs_ are in x out: the transpose of annlab's W)
  - row order: fit() shuffles the row indices each epoch with sklearn.utils.shuffle; the
    module's `shuffle` is replaced by one returning data.py's order for that epoch, so the
    batches are annlab's (the cost of drawing a permutation is not what is measured here)
  - no regularization (alpha=0), constant learning rate, no early stopping, tol=0 and
    n_iter_no_change=10**9 so every epoch runs (max_iter = epochs)
  - its squared-error loss is ½·mean((ŷ-y)²), so its gradient is half the MSE gradient:
    learning_rate_init = 2η gives annlab's and PyTorch's MSE step exactly (W2); W1's loss is
    the chapter's ½(ŷ-y)², so η there is the chapter's 0.2
  - momentum: v ← μv - η·g, θ ← θ + v (nesterovs_momentum=False), the same steps as
    PyTorch's v ← μv + g, θ ← θ - ηv while η is constant
  - Adam: step η·sqrt(1-β2^t)/(1-β1^t)·m/(sqrt(v)+ε), i.e. ε is added before the bias
    correction (PyTorch and annlab add it after); differs only while sqrt(v) is near ε
  - fit() also validates its input and evaluates the squared norm of the weights on every
    batch (its L2 term, even with alpha=0): part of what scikit-learn costs, and timed
"""
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.neural_network import _multilayer_perceptron as mlp_module
from threadpoolctl import threadpool_limits

import common
import data


class _GivenInit:
    """Mixin: fit() takes its initial parameters from `self._given` (a list of (W out x in,
    b)), layer by layer, instead of drawing Glorot-uniform ones."""

    def _init_coef(self, fan_in, fan_out, dtype):
        w, b = self._given.pop(0)
        assert w.shape == (fan_out, fan_in), (w.shape, fan_in, fan_out)
        return np.array(w.T, dtype=dtype, order="C"), np.array(b, dtype=dtype)


class GivenInitRegressor(_GivenInit, MLPRegressor):
    pass


class GivenInitClassifier(_GivenInit, MLPClassifier):
    pass


def given(flat, widths):
    return [(w.copy(), b.copy()) for w, b in data.unflatten(flat, widths)]


def use_orders(orders):
    """Makes fit()'s per-epoch shuffle return orders[0], orders[1], ... in turn."""
    it = iter(orders)
    mlp_module.shuffle = lambda idx, random_state=None: next(it)


FIXED = dict(alpha=0.0, learning_rate="constant", early_stopping=False, tol=0.0,
             n_iter_no_change=10**9, random_state=0)


def head(a, variant):
    return dict(framework="sklearn", workload=a.workload, variant=variant, threads=a.threads)


def w1(a):
    init = data.load(a.data, "w1_init.f64", np.float64, (11,))
    x = np.array([[0.5, 0.2, 0.7]])
    y = np.array([0.3])
    def make(steps):
        m = GivenInitRegressor(hidden_layer_sizes=(2,), activation="logistic", solver="sgd",
                               learning_rate_init=0.2, momentum=0.0, batch_size=1,
                               max_iter=steps, shuffle=False, **FIXED)
        m._given = given(init, [3, 2, 1])
        return m

    model = None

    def once():
        nonlocal model
        model = make(a.steps)
        t0 = time.perf_counter()
        model.fit(x, y)  # one epoch = one step here; includes fit()'s fixed setup
        return time.perf_counter() - t0

    runs = common.repeat(once, a.min_seconds)
    out = float(model.predict(x)[0])
    out10 = float(make(10).fit(x, y).predict(x)[0])  # the discriminating check
    common.emit(dict(head(a, "sigmoid"), precision="double", steps=a.steps, runs=len(runs),
                     ns_per_step=common.median(runs) * 1e9 / a.steps, final_output=out,
                     final_loss=0.5 * (out - 0.3) ** 2, output_after_10=out10))


def w2(a):
    n, e, b = a.rows, a.epochs, a.batch
    x = data.load(a.data, "w2_x.f32", np.float32, (n, 8))
    y = data.load(a.data, "w2_y.f32", np.float32, (n,))
    model = GivenInitRegressor(hidden_layer_sizes=(64, 64), activation=a.variant, solver="sgd",
                               learning_rate_init=2 * 0.01, momentum=0.9,
                               nesterovs_momentum=False, batch_size=b, max_iter=e, shuffle=True,
                               **FIXED)
    model._given = given(data.load(a.data, "w2_init.f32", np.float32, (-1,)), data.W2_WIDTHS)
    use_orders(data.load(a.data, "w2_order.i64", np.int64, (e, n)))
    t0 = time.perf_counter()
    model.fit(x, y)
    seconds = time.perf_counter() - t0
    mse = float(np.mean((model.predict(x).astype(np.float64) - y) ** 2))
    common.emit(dict(head(a, a.variant), rows=n, epochs=e, batch=b, seconds=seconds,
                     samples_per_s=n * e / seconds, final_mse=mse, dtype=str(model.coefs_[0].dtype),
                     libraries=common.libraries()))


def w3(a):
    n, e, b = a.rows, a.epochs, a.batch
    x = data.load(a.data, "w3_x.f32", np.float32, (n, 784))
    labels = data.load(a.data, "w3_labels.i32", np.int32, (n,))
    model = GivenInitClassifier(hidden_layer_sizes=(512, 512), activation="relu", solver="adam",
                                learning_rate_init=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                                batch_size=b, max_iter=e, shuffle=True, **FIXED)
    model._given = given(data.load(a.data, "w3_init.f32", np.float32, (-1,)), data.W3_WIDTHS)
    use_orders(data.load(a.data, "w3_order.i64", np.int64, (e, n)))
    t0 = time.perf_counter()
    model.fit(x, labels)
    seconds = time.perf_counter() - t0
    p = model.predict_proba(x).astype(np.float64)  # columns are classes 0..9, in order
    final = float(-np.mean(np.log(np.maximum(p[np.arange(n), labels], 1e-300))))
    accuracy = float(np.mean(p.argmax(1) == labels))
    weights = sum(i * o for i, o in zip(data.W3_WIDTHS[:-1], data.W3_WIDTHS[1:]))
    common.emit(dict(head(a, "relu"), rows=n, epochs=e, batch=b, seconds=seconds,
                     samples_per_s=n * e / seconds, gflops=6 * weights * n * e / seconds * 1e-9,
                     final_loss=final, final_accuracy=accuracy, dtype=str(model.coefs_[0].dtype),
                     libraries=common.libraries()))


def w4(a):
    n, b = a.rows, a.batch
    x = data.load(a.data, "w2_x.f32", np.float32, (n, 8))
    y = data.load(a.data, "w2_y.f32", np.float32, (n,))
    flat = data.load(a.data, "w2_init.f32", np.float32, (-1,))
    # A fitted estimator (one epoch on 64 rows), then the W2 initial parameters put in.
    model = GivenInitRegressor(hidden_layer_sizes=(64, 64), activation=a.variant, solver="sgd",
                               batch_size=32, max_iter=1, shuffle=False, **FIXED)
    model._given = given(flat, data.W2_WIDTHS)
    model.fit(x[:64], y[:64])
    for i, (w, bias) in enumerate(data.unflatten(flat, data.W2_WIDTHS)):
        model.coefs_[i] = np.array(w.T, order="C")
        model.intercepts_[i] = bias.copy()
    rows = [x[i:i + 1] for i in range(min(n, 1000))]
    sink = 0.0

    def single():
        nonlocal sink
        t0 = time.perf_counter()
        for r in rows:
            out = model.predict(r)
        sink += float(out[0])
        return (time.perf_counter() - t0) / len(rows)

    def batch():
        nonlocal sink
        t0 = time.perf_counter()
        out = model.predict(x[:b])
        seconds = time.perf_counter() - t0
        sink += float(out[0])
        return seconds

    s = common.repeat(single, a.min_seconds)
    common.emit(dict(head(a, a.variant), mode="single", latency_us=common.median(s) * 1e6,
                     runs=len(s) * len(rows), checksum=sink))
    m = common.median(common.repeat(batch, a.min_seconds))
    common.emit(dict(head(a, a.variant), mode="batch", batch=b, batch_ms=m * 1e3,
                     rows_per_s=b / m, checksum=sink, libraries=common.libraries()))


def main():
    a = common.parse_args(__doc__.splitlines()[0])
    warnings.filterwarnings("ignore", category=ConvergenceWarning)  # max_iter is the plan
    with threadpool_limits(limits=a.threads):
        {"W1": w1, "W2": w2, "W3": w3, "W4": w4}[a.workload](a)


if __name__ == "__main__":
    main()
