"""PyTorch peer of bench_workloads: the same workloads, data, initial parameters and row
order, written the way a PyTorch user writes them (nn.Sequential, torch.optim, a plain loop).
One JSON line per measurement. run.py starts it with OMP_NUM_THREADS / OPENBLAS_NUM_THREADS
and OMP_WAIT_POLICY=PASSIVE set (PyTorch's OpenMP workers spin otherwise, and at 2 threads on
2 cores that collapses its figures); here torch.set_num_threads and threadpoolctl pin the
rest. Options: common.parse_args (the same as bench_workloads).

  W1  float64 3-2-1 (Sigmoid, identity), loss ½(ŷ-y)², torch.optim.SGD(lr=0.2)
  W2  float32 8-64-64-1, MSELoss, SGD(lr=0.01, momentum=0.9), batches of 32 rows taken in
      data.py's order (annlab::fit's own order) with index_select
  W3  float32 784-512-512-10, CrossEntropyLoss on the logits (= softmax + cross-entropy),
      Adam(lr=1e-3), batches of 128 in the same order
  W4  the W2 network under torch.inference_mode(): model(one row), model(10,000 rows)
"""
import time

import numpy as np
import torch
import torch.nn.functional as F
from threadpoolctl import threadpool_limits

import common
import data


def mlp(widths, act, dtype):
    """nn.Sequential of Linear layers with `act` between them (none after the last)."""
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append(torch.nn.Linear(fan_in, fan_out, dtype=dtype))
        if i + 2 < len(widths):
            layers.append(act())
    return torch.nn.Sequential(*layers)


def load_parameters(model, flat, widths):
    """Copies annlab's flat layout (W out x in, then b, per layer) into the Linear layers."""
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    with torch.no_grad():
        for lin, (w, b) in zip(linears, data.unflatten(flat, widths)):
            lin.weight.copy_(torch.from_numpy(np.ascontiguousarray(w)))
            lin.bias.copy_(torch.from_numpy(np.ascontiguousarray(b)))


ACT = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh}


def head(a, variant):
    return dict(framework="pytorch", workload=a.workload, variant=variant, threads=a.threads)


def w1(a):
    init = data.load(a.data, "w1_init.f64", np.float64, (11,))
    model = mlp([3, 2, 1], torch.nn.Sigmoid, torch.float64)
    x = torch.tensor([[0.5, 0.2, 0.7]], dtype=torch.float64)
    y = torch.tensor([[0.3]], dtype=torch.float64)
    opt = torch.optim.SGD(model.parameters(), lr=0.2)

    def train(steps):
        for _ in range(steps):
            opt.zero_grad(set_to_none=True)
            loss = 0.5 * ((model(x) - y) ** 2).sum()
            loss.backward()
            opt.step()

    def once():
        load_parameters(model, init, [3, 2, 1])
        t0 = time.perf_counter()
        train(a.steps)
        return time.perf_counter() - t0

    runs = common.repeat(once, a.min_seconds)
    with torch.no_grad():
        out = model(x).item()
    load_parameters(model, init, [3, 2, 1])  # the discriminating check: O6 after 10 steps
    train(10)
    with torch.no_grad():
        out10 = model(x).item()
    common.emit(dict(head(a, "sigmoid"), precision="double", steps=a.steps, runs=len(runs),
                     ns_per_step=common.median(runs) * 1e9 / a.steps, final_output=out,
                     final_loss=0.5 * (out - 0.3) ** 2, output_after_10=out10))


def w2(a):
    n, e, b = a.rows, a.epochs, a.batch
    x = torch.from_numpy(data.load(a.data, "w2_x.f32", np.float32, (n, 8)))
    y = torch.from_numpy(data.load(a.data, "w2_y.f32", np.float32, (n, 1)))
    order = torch.from_numpy(data.load(a.data, "w2_order.i64", np.int64, (e, n)))
    model = mlp(data.W2_WIDTHS, ACT[a.variant], torch.float32)
    load_parameters(model, data.load(a.data, "w2_init.f32", np.float32, (-1,)), data.W2_WIDTHS)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    t0 = time.perf_counter()
    for epoch in range(e):
        for s in range(0, n, b):
            idx = order[epoch, s:s + b]
            xb, yb = x.index_select(0, idx), y.index_select(0, idx)
            opt.zero_grad(set_to_none=True)
            loss = F.mse_loss(model(xb), yb)
            loss.backward()
            opt.step()
    seconds = time.perf_counter() - t0
    with torch.no_grad():  # final training MSE over every row, in double, untimed
        mse = float(((model(x).double() - y.double()) ** 2).mean())
    common.emit(dict(head(a, a.variant), rows=n, epochs=e, batch=b, seconds=seconds,
                     samples_per_s=n * e / seconds, final_mse=mse, libraries=common.libraries()))


def w3(a):
    n, e, b = a.rows, a.epochs, a.batch
    x = torch.from_numpy(data.load(a.data, "w3_x.f32", np.float32, (n, 784)))
    labels = torch.from_numpy(data.load(a.data, "w3_labels.i32", np.int32, (n,)).astype(np.int64))
    order = torch.from_numpy(data.load(a.data, "w3_order.i64", np.int64, (e, n)))
    model = mlp(data.W3_WIDTHS, torch.nn.ReLU, torch.float32)  # logits; softmax is in the loss
    load_parameters(model, data.load(a.data, "w3_init.f32", np.float32, (-1,)), data.W3_WIDTHS)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)  # betas (0.9, 0.999), eps 1e-8
    t0 = time.perf_counter()
    for epoch in range(e):
        for s in range(0, n, b):
            idx = order[epoch, s:s + b]
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x.index_select(0, idx)), labels.index_select(0, idx))
            loss.backward()
            opt.step()
    seconds = time.perf_counter() - t0
    with torch.no_grad():
        logits = model(x)
        final = float(F.cross_entropy(logits.double(), labels))
        accuracy = float((logits.argmax(1) == labels).double().mean())
    weights = sum(i * o for i, o in zip(data.W3_WIDTHS[:-1], data.W3_WIDTHS[1:]))
    common.emit(dict(head(a, "relu"), rows=n, epochs=e, batch=b, seconds=seconds,
                     samples_per_s=n * e / seconds, gflops=6 * weights * n * e / seconds * 1e-9,
                     final_loss=final, final_accuracy=accuracy, libraries=common.libraries()))


def w4(a):
    n, b = a.rows, a.batch
    x = torch.from_numpy(data.load(a.data, "w2_x.f32", np.float32, (n, 8)))
    model = mlp(data.W2_WIDTHS, ACT[a.variant], torch.float32)
    load_parameters(model, data.load(a.data, "w2_init.f32", np.float32, (-1,)), data.W2_WIDTHS)
    model.eval()
    rows = [x[i:i + 1] for i in range(min(n, 1000))]  # one-row inputs, made untimed
    sink = 0.0
    with torch.inference_mode():
        def single():
            nonlocal sink
            t0 = time.perf_counter()
            for r in rows:
                out = model(r)
            sink += float(out[0, 0])
            return (time.perf_counter() - t0) / len(rows)

        def batch():
            nonlocal sink
            t0 = time.perf_counter()
            out = model(x[:b])
            seconds = time.perf_counter() - t0
            sink += float(out[0, 0])
            return seconds

        s = common.repeat(single, a.min_seconds)
        common.emit(dict(head(a, a.variant), mode="single", latency_us=common.median(s) * 1e6,
                         runs=len(s) * len(rows), checksum=sink))
        m = common.median(common.repeat(batch, a.min_seconds))
        common.emit(dict(head(a, a.variant), mode="batch", batch=b, batch_ms=m * 1e3,
                         rows_per_s=b / m, checksum=sink, libraries=common.libraries()))


def main():
    a = common.parse_args(__doc__.splitlines()[0])
    torch.set_num_threads(a.threads)
    with threadpool_limits(limits=a.threads):  # the BLAS PyTorch's Linear layers call
        {"W1": w1, "W2": w2, "W3": w3, "W4": w4}[a.workload](a)


if __name__ == "__main__":
    main()
