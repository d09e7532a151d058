#!/usr/bin/env python3
"""Issue #5's benchmark (not a test): annlab's scikit-learn estimators against
scikit-learn's MLP, and against the annlab CLI, in one run.

    build/venv/bin/pip install --no-build-isolation .      # the package (README, "Python")
    cmake --preset release && cmake --build --preset release --target annlab
    build/venv/bin/python bench/python/bench_sklearn.py [--reps 5] [--json results.json]

Two fits, each with the same architecture, optimizer (Adam), learning rate, batch size and
number of epochs in every framework, no L2 term and no early stopping:

- well: geodatasets/unconv_MV_v4.csv, target Prod, Well dropped; 6-16-8-1, tanh, lr 0.01,
  batch 32, 500 epochs;
- digits: classic/digits.csv, target digit; 64-100-10, relu + softmax, lr 0.001, batch 200,
  200 epochs (scikit-learn's defaults).

The same rows train every framework (75 %, a seeded split; digits stratified) and the rest
measures accuracy (R² or accuracy). Inputs, and the well's target, are min/max scaled to
[0, 1] with the training rows' statistics in every framework (annlab does it itself,
scikit-learn gets MinMaxScaler and TransformedTargetRegressor). Both get the same threads
(--threads, default 1): annlab's n_jobs, and scikit-learn's BLAS (held there by
threadpoolctl). annlab's estimators report scikit-learn's loss_curve_ (the mean of the epoch's
batch losses, epoch_loss="batch_mean"), so neither makes an extra pass per epoch. Each
repetition uses its
own seed, the same for every framework, and runs the frameworks one after the other, the
first one rotating from repetition to repetition.

Times are wall-clock seconds of one fit: the Python estimator's ``fit`` on arrays already in
memory; the engine alone, the extension's one C++ call that ``fit`` makes (the same workflow
run ``annlab train`` makes, without its CSV), called directly with the same arguments; the
CLI's ``annlab train TRAIN.csv --config`` as a whole process (start, CSV parse, training,
report) with the estimator's own run configuration, so it does the same work; scikit-learn's
``fit``. Reported: medians, annlab's speed-up over scikit-learn, the Python layer's overhead
(fit over the engine alone, which includes the run-to-run noise of training; and the layer's
own time, measured in each fit as the fit's time less its C++ call's) and the estimator's
time relative to the CLI process (negative when Python is faster, as it skips process start
and CSV parsing).

Below the table: each fit's arithmetic (2 flops per multiply-add of the forward pass, the
weight gradients and the input gradients of every layer past the first), the rate annlab's
fit ran at, and the rate a fit 5x as fast as scikit-learn's would need, both as a share of
the cores' fused multiply-add ceiling that bench_peak measures (built with the benchmarks:
``cmake --build --preset release --target bench_peak``; left out when it is missing).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

import annlab
from annlab import _annlab

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench" / "peers"))
from common import product_flops  # noqa: E402  (bench/peers/common.py)

WORKLOADS = {
    "well": dict(csv="geodatasets/unconv_MV_v4.csv", target="Prod", drop=["Well"],
                 hidden=(16, 8), activation="tanh", lr=0.01, batch=32, epochs=500,
                 classify=False),
    "digits": dict(csv="classic/digits.csv", target="digit", drop=[], hidden=(100,),
                   activation="relu", lr=0.001, batch=200, epochs=200, classify=True),
}


def annlab_estimator(w, seed, dtype, threads):
    cls = annlab.MLPClassifier if w["classify"] else annlab.MLPRegressor
    return cls(w["hidden"], w["activation"], solver="adam", learning_rate_init=w["lr"],
               batch_size=w["batch"], max_iter=w["epochs"], alpha=0.0, n_iter_no_change=None,
               random_state=seed, dtype=dtype, n_jobs=threads)


def sklearn_estimator(w, seed):
    common = dict(hidden_layer_sizes=w["hidden"], activation=w["activation"], solver="adam",
                  learning_rate_init=w["lr"], batch_size=w["batch"], max_iter=w["epochs"],
                  alpha=0.0, tol=0.0, n_iter_no_change=w["epochs"] + 1, shuffle=True,
                  random_state=seed)
    if w["classify"]:
        return make_pipeline(MinMaxScaler(), SkClassifier(**common))
    return TransformedTargetRegressor(make_pipeline(MinMaxScaler(), SkRegressor(**common)),
                                      transformer=MinMaxScaler())


def fma_ceiling(program, threads, dtype):
    """bench_peak's GFLOP/s on `threads` cores in this precision, or None."""
    if not program or not Path(program).exists():
        return None
    r = subprocess.run([str(program), "--threads", str(threads)], capture_output=True, text=True)
    if r.returncode != 0:
        print(f"(bench_peak failed: {r.stderr.strip()})", file=sys.stderr)
        return None
    for line in r.stdout.splitlines():
        d = json.loads(line)
        if d.get("mode") == {"float64": "f64", "float32": "f32"}[dtype]:
            return d["gflops"]
    return None


def score(w, y, predicted):
    return accuracy_score(y, predicted) if w["classify"] else r2_score(y, predicted)


def timed(f):
    t0 = time.perf_counter()
    result = f()
    return time.perf_counter() - t0, result


def run_workload(name, w, data_dir, cli, reps, tmp, dtype, threads):
    frame = pd.read_csv(data_dir / w["csv"], float_precision="round_trip")
    X = frame.drop(columns=[w["target"], *w["drop"]])
    y = frame[w["target"]]
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0,
                                          stratify=y if w["classify"] else None)
    train_csv = tmp / f"{name}_train.csv"
    pd.concat([Xtr, ytr], axis=1).to_csv(train_csv, index=False)
    # float32: annlab trains in float, scikit-learn keeps float32 inputs in float32.
    Xtr_np, Xte_np = Xtr.to_numpy(dtype), Xte.to_numpy(dtype)
    features = [f"x{i}" for i in range(Xtr_np.shape[1])]
    if w["classify"]:
        classes, labels = np.unique(ytr.to_numpy(), return_inverse=True)
        target = dict(y=None, labels=labels.astype(np.int64), classes=[str(c) for c in classes])
    else:
        target = dict(y=ytr.to_numpy(np.float64).reshape(-1, 1), labels=None, classes=[])
    rows = {"python": [], "python_own": [], "engine": [], "cli": [], "sklearn": [],
            "acc_annlab": [], "acc_sklearn": []}
    # The arithmetic of one fit (the same in every framework and repetition).
    widths = [Xtr_np.shape[1], *w["hidden"], len(target["classes"]) if w["classify"] else 1]
    rows["flops"] = float(len(Xtr_np) * w["epochs"] * product_flops(widths))
    for rep in range(reps):
        seed = rep + 1
        # The run configuration fit passes to the engine, and the CLI's (named columns).
        config = annlab_estimator(w, seed, dtype, threads).fit(Xtr, ytr).model_.run_config
        # The model's run configuration leaves out the thread count (it changes no result).
        config = json.dumps(dict(json.loads(config), threads=threads))
        config_file = tmp / f"{name}_run.json"
        config_file.write_text(config, encoding="utf-8")
        est = annlab_estimator(w, seed, dtype, threads)
        sk = sklearn_estimator(w, seed)

        def python():
            # Also the Python layer's own time in this very fit: fit's time less that of the
            # one C++ call it makes (timed by a wrapper around it).
            inner = []
            call = _annlab.train_arrays

            def timed_call(*a):
                t, result = timed(lambda: call(*a))
                inner.append(t)
                return result

            _annlab.train_arrays = timed_call
            try:
                t = timed(lambda: est.fit(Xtr_np, ytr.to_numpy()))[0]
            finally:
                _annlab.train_arrays = call
            rows["python"].append(t)
            rows["python_own"].append(t - inner[0])

        def engine():  # fit's one C++ call, with fit's arguments
            rows["engine"].append(timed(lambda: _annlab.train_arrays(
                Xtr_np, features, target["y"], target["labels"], target["classes"], ["y"],
                config, "bench", "arrays", None))[0])

        def command_line():
            t, r = timed(lambda: subprocess.run([cli, "train", train_csv, "--config",
                                                 config_file, "-q"], capture_output=True,
                                                text=True))
            if r.returncode != 0:
                sys.exit(f"annlab train failed: {r.stderr}")
            rows["cli"].append(t)

        def scikit_learn():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                rows["sklearn"].append(timed(lambda: sk.fit(Xtr_np, ytr.to_numpy(dtype)))[0])

        order = [python, engine, scikit_learn] + ([command_line] if cli else [])
        for run in order[rep % len(order):] + order[:rep % len(order)]:  # who goes first rotates
            run()
        rows["acc_annlab"].append(score(w, yte, est.predict(Xte_np)))
        rows["acc_sklearn"].append(score(w, yte, sk.predict(Xte_np)))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--cli", default=os.environ.get("ANNLAB_CLI",
                                                        ROOT / "build" / "release" / "annlab"))
    parser.add_argument("--data", default=os.environ.get("ANNLAB_SHARED_DATA",
                                                         ROOT.parent / "shared" / "data"))
    parser.add_argument("--threads", type=int, default=1,
                        help="annlab's n_jobs and scikit-learn's BLAS threads (default 1)")
    parser.add_argument("--dtype", choices=["float64", "float32"], default="float64",
                        help="the precision every framework trains in")
    parser.add_argument("--only", choices=sorted(WORKLOADS), action="append")
    parser.add_argument("--peak", default=os.environ.get("ANNLAB_PEAK",
                                                         ROOT / "build" / "release" / "bench" /
                                                         "bench_peak"),
                        help="bench_peak, for the FMA ceiling (default build/release/bench)")
    parser.add_argument("--json", help="write the raw times and scores here")
    args = parser.parse_args()
    cli = str(args.cli) if Path(args.cli).exists() else None
    if cli is None:
        print(f"(no CLI at {args.cli}: the CLI column is left out)", file=sys.stderr)
    from threadpoolctl import threadpool_info, threadpool_limits

    results = {}
    with threadpool_limits(args.threads), tempfile.TemporaryDirectory() as tmp:
        for name in args.only or list(WORKLOADS):
            results[name] = run_workload(name, WORKLOADS[name], Path(args.data), cli,
                                         args.reps, Path(tmp), args.dtype, args.threads)
    blas = ", ".join(sorted({f"{i['internal_api']} {i.get('version') or ''}".strip()
                             for i in threadpool_info()})) or "unknown"
    med = statistics.median
    print(f"annlab {annlab.__version__}, scikit-learn {__import__('sklearn').__version__}, "
          f"NumPy BLAS: {blas}, {args.threads} thread(s) each, {args.dtype}, {args.reps} "
          f"repetitions, medians\n")
    print("| data | network | epochs | annlab fit s | engine alone s | annlab CLI s "
          "| scikit-learn s | speed-up vs scikit-learn | fit vs engine alone "
          "| Python layer's own time | fit vs CLI process | annlab score "
          "| scikit-learn score |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        w = WORKLOADS[name]
        widths = "-".join(map(str, w["hidden"]))
        metric = "accuracy" if w["classify"] else "R²"
        py, engine, sk = med(r["python"]), med(r["engine"]), med(r["sklearn"])
        cli_t = med(r["cli"]) if r["cli"] else float("nan")
        print(f"| {name} | {widths} {w['activation']}, batch {w['batch']} | {w['epochs']} "
              f"| {py:.3f} | {engine:.3f} | {cli_t:.3f} | {sk:.3f} | {sk / py:.1f}x "
              f"| {100 * (py / engine - 1):+.1f} % "
              f"| {1e3 * med(r['python_own']):.2f} ms "
              f"({100 * med(r['python_own']) / py:.1f} %) "
              f"| {100 * (py / cli_t - 1):+.1f} % "
              f"| {metric} {np.mean(r['acc_annlab']):.4f} ± {np.std(r['acc_annlab']):.4f} "
              f"| {metric} {np.mean(r['acc_sklearn']):.4f} ± {np.std(r['acc_sklearn']):.4f} |")
    # Measured after the fits, so that its seconds of full-speed vector code disturb none.
    peak = fma_ceiling(args.peak, args.threads, args.dtype)
    print()
    for name, r in results.items():
        gflop = r["flops"] * 1e-9
        py, sk = med(r["python"]), med(r["sklearn"])
        share = (lambda rate: f" ({100 * rate / peak:.0f} % of the ceiling)") if peak else \
            (lambda rate: "")
        print(f"- {name}: {gflop:.2f} GFLOP per fit; annlab's fit ran at {gflop / py:.1f} "
              f"GFLOP/s{share(gflop / py)}; 5x scikit-learn needs {5 * gflop / sk:.1f} "
              f"GFLOP/s{share(5 * gflop / sk)}")
    print("- FMA ceiling " + (f"(bench_peak, {args.threads} core(s), {args.dtype}): {peak:.0f} "
                              f"GFLOP/s" if peak else f"not measured ({args.peak})"))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
