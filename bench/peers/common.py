"""What the Python peers (torch_peer.py, sklearn_peer.py) share: their command line (the
same options as bench_workloads), the repeat-and-median timing rule, JSON lines, and the
BLAS/OpenMP libraries they loaded (threadpoolctl), so the report says which kernel ran."""
import argparse
import json
import statistics
import time


def parse_args(description):
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--workload", required=True, choices=["W1", "W2", "W3", "W4"])
    ap.add_argument("--variant", default="relu", choices=["relu", "tanh"])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--data", help="folder written by data.py")
    ap.add_argument("--rows", type=int, default=0)
    ap.add_argument("--epochs", type=int, default=-1, help="W2: 3, W3: 1")
    ap.add_argument("--batch", type=int, default=-1, help="W2: 32, W3: 128, W4: 10000")
    ap.add_argument("--steps", type=int, default=1000, help="W1: steps per run")
    ap.add_argument("--min-seconds", type=float, default=0.3,
                    help="W1, W4: repeat a measurement until this much time has passed")
    a = ap.parse_args()
    if a.epochs < 0:
        a.epochs = {"W2": 3, "W3": 1}.get(a.workload, 0)
    if a.batch < 0:
        a.batch = {"W2": 32, "W3": 128, "W4": 10000}.get(a.workload, 0)
    return a


def repeat(once, min_seconds):
    """Runs once() (returning the seconds it measured) at least 3 times and until min_seconds
    have passed; returns every run's seconds (bench_workloads' rule)."""
    runs, t0 = [], time.perf_counter()
    while len(runs) < 3 or (time.perf_counter() - t0 < min_seconds and len(runs) < 100000):
        runs.append(once())
    return runs


median = statistics.median


def libraries():
    """The BLAS and OpenMP runtimes loaded in this process: kernel (OpenBLAS 'architecture'),
    version, threads."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    keys = ("internal_api", "version", "architecture", "threading_layer", "num_threads",
            "filepath")
    return [{k: i.get(k) for k in keys if i.get(k) is not None} for i in threadpool_info()]


def emit(record):
    print(json.dumps(record), flush=True)


def product_flops(widths):
    """The flops one training sample's matrix products make in a network of these widths:
    2 per multiply-add of the forward pass, the weight gradients and the input gradients of
    every layer past the first (run.py's and bench_sklearn.py's shares of the FMA ceiling)."""
    weights = [a * b for a, b in zip(widths, widths[1:])]
    return 2 * (2 * sum(weights) + sum(weights[1:]))
