#!/usr/bin/python3
"""Issue #6's benchmark: annlab against PyTorch, scikit-learn, FANN and OpenBLAS sgemm.

Runs the workloads (bench/README.md) for every framework on the same data and initial
parameters, alternating frameworks cell by cell and rotating who goes first in each
repetition, then prints a Markdown report (machine, speed table with medians and
annlab/peer ratios, correctness table, notes) and writes the raw results as JSON.

    bench/install-peers.sh
    cmake --preset release
    cmake --build --preset release --target bench_workloads bench_fann_f32 bench_fann_f64 bench_sgemm bench_peak bench_memory
    /usr/bin/python3 bench/peers/run.py            # full: about 4-5 minutes on 2 cores
    /usr/bin/python3 bench/peers/run.py --quick    # smaller sizes, 1 repetition: a smoke test

It builds nothing: it runs the programs it finds in --build (default build/release/bench)
and skips, saying so, the peers that are missing. Data and results go under the build folder.
Use Debian's /usr/bin/python3 (NumPy, PyTorch and scikit-learn are Debian packages).
"""
import argparse
import datetime
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from importlib.util import find_spec

if find_spec("numpy") is None:  # data.py needs it
    sys.exit("run.py needs NumPy: run it with Debian's /usr/bin/python3 "
             "(bench/install-peers.sh installs python3-numpy)")

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import data  # noqa: E402
from common import product_flops  # noqa: E402

# Sizes of the two modes. full is the issue's; quick keeps every shape and code path but
# trains on fewer rows, once, with shorter timing loops. `seeds`: how many other row orders
# annlab also trains with (seeds 1..n), to show how far the final loss moves with the order
# alone: the band within which the frameworks' final losses should agree.
MODES = {
    "full": dict(w2_rows=100_000, w2_epochs=3, w3_rows=60_000, w3_epochs=1, w4_batch=10_000,
                 steps=1000, min_seconds=0.3, reps=3, seeds={"W2": 5, "W3": 3}),
    "quick": dict(w2_rows=10_000, w2_epochs=1, w3_rows=6_000, w3_epochs=1, w4_batch=10_000,
                  steps=1000, min_seconds=0.05, reps=1, seeds={"W2": 2, "W3": 1}),
}

NAMES = {"annlab": "annlab", "pytorch": "PyTorch", "sklearn": "scikit-learn", "fann": "FANN",
         "openblas_sgemm": "OpenBLAS sgemm", "machine": "FMA ceiling"}
PEERS = ["pytorch", "sklearn", "fann", "openblas_sgemm"]

# The cells (workload, variant) and who runs each. FANN has no ReLU; sgemm only has W3.
# Two cells are context for the goals, not workloads of the tables: W3 with plain SGD
# instead of Adam (annlab only: what the optimizer's update costs against sgemm, which times
# the products alone), and the cores' fused multiply-add ceiling (bench_peak).
CELLS = [
    ("W1", "sigmoid", ["annlab", "pytorch", "sklearn", "fann"]),
    ("W2", "relu", ["annlab", "pytorch", "sklearn"]),
    ("W2", "tanh", ["annlab", "pytorch", "sklearn", "fann"]),
    ("W3", "relu", ["annlab", "pytorch", "sklearn", "openblas_sgemm"]),
    ("W3", "relu_sgd", ["annlab"]),
    ("W4", "relu", ["annlab", "pytorch", "sklearn"]),
    ("W4", "tanh", ["annlab", "pytorch", "sklearn", "fann"]),
    ("peak", "fma", ["machine"]),
]
CONTEXT = {("W3", "relu_sgd"), ("peak", "fma")}  # measured for the goals table only

# The speed figures of the table: (workload, mode, field, label, higher_is_better).
FIGURES = [
    ("W1", None, "ns_per_step", "ns per step", False),
    ("W2", None, "samples_per_s", "training samples/s", True),
    ("W3", None, "samples_per_s", "training samples/s", True),
    ("W3", None, "gflops", "GFLOP/s (6·weights·samples/s)", True),
    ("W4", "single", "latency_us", "one-row latency, µs", False),
    ("W4", "batch", "rows_per_s", "batch of 10,000: rows/s", True),
]
# The correctness checks: (workload, field, label, significant digits shown).
CHECKS = [
    ("W1", "output_after_10", "O6 after 10 steps", 12),
    ("W2", "final_mse", "final training MSE", 7),
    ("W3", "final_loss", "final training cross-entropy", 7),
    ("W3", "final_accuracy", "final training accuracy", 5),
]


def sh(cmd):
    """stdout of a command, stripped; '' when it fails."""
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def deb_version(package):
    return sh(["dpkg-query", "-W", "-f=${Version}", package]) or "not installed"


def machine(build):
    """What ran the benchmark: CPU, cores, vector extensions, OS, compiler, library versions,
    the annlab commit, and the load when it started."""
    lscpu = {}
    for line in sh(["lscpu"]).splitlines():
        k, _, v = line.partition(":")
        lscpu[k.strip()] = v.strip()
    flags = lscpu.get("Flags", "").split()
    cache = {}
    try:
        with open(os.path.join(build, "CMakeCache.txt")) as f:
            for line in f:
                k, _, v = line.strip().partition("=")
                cache[k.split(":")[0]] = v
    except OSError:
        pass
    cxx = cache.get("CMAKE_CXX_COMPILER", "c++")
    dirty = sh(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"])
    return {
        "cpu": lscpu.get("Model name", platform.processor()),
        "cores": os.cpu_count(),
        "threads_per_core": lscpu.get("Thread(s) per core"),
        "l2": lscpu.get("L2 cache"),
        "l3": lscpu.get("L3 cache"),
        "vector": [f for f in ("avx2", "fma", "avx512f", "avx512_bf16", "avx512_fp16", "amx_tile")
                   if f in flags],
        "hypervisor": lscpu.get("Hypervisor vendor"),
        "os": "Debian " + (open("/etc/debian_version").read().strip()
                           if os.path.exists("/etc/debian_version") else "?"),
        "kernel": platform.release(),
        "compiler": (sh([cxx, "--version"]).splitlines() or ["?"])[0],
        "build_type": cache.get("CMAKE_BUILD_TYPE", "?"),
        "march_native": cache.get("ANNLAB_NATIVE", "?"),
        "annlab_commit": sh(["git", "-C", REPO, "rev-parse", "--short", "HEAD"]) +
                         (" + uncommitted changes" if dirty else ""),
        "versions": {
            "python": platform.python_version(),
            "numpy": deb_version("python3-numpy"),
            "torch": deb_version("python3-torch"),
            "sklearn": deb_version("python3-sklearn"),
            "fann": deb_version("libfann2"),
            "openblas": deb_version("libopenblas0-pthread"),
            "eigen": deb_version("libeigen3-dev"),
        },
        "environment": {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
                                                       "OMP_NUM_THREADS", "OMP_WAIT_POLICY")},
        "load_average_at_start": os.getloadavg(),
    }


def environment(framework, threads):
    """The child's environment: thread counts for every runtime; for the peers that load
    OpenBLAS, OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed (they select an older, slower
    kernel; the machine's env README says to unset both, in that command only); for PyTorch,
    OMP_WAIT_POLICY=PASSIVE (its OpenMP workers otherwise spin between parallel regions and,
    with 2 threads on 2 cores, its figures collapse)."""
    env = dict(os.environ)
    for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "ANNLAB_THREADS"):
        env[k] = str(threads)
    if framework in ("pytorch", "sklearn", "openblas_sgemm"):
        env.pop("OPENBLAS_CORETYPE", None)
        env.pop("OPENBLAS_L2_SIZE", None)
    if framework == "pytorch":
        env["OMP_WAIT_POLICY"] = "PASSIVE"
    return env


def command(framework, workload, variant, threads, cfg, bins, folder):
    """The command line of one measurement, or None when this framework cannot run it."""
    if framework == "machine":
        return [bins["bench_peak"], "--threads", str(threads), "--runs",
                "7" if cfg["reps"] > 1 else "3"]
    rows = {"W1": 0, "W2": cfg["w2_rows"], "W3": cfg["w3_rows"], "W4": cfg["w2_rows"]}[workload]
    common = ["--workload", workload, "--threads", str(threads), "--data", folder]
    if workload != "W1":
        common += ["--rows", str(rows)]
    if workload in ("W2", "W4"):
        common += ["--variant", variant]
    if workload == "W1":
        common += ["--steps", str(cfg["steps"])]
    if workload in ("W1", "W4"):
        common += ["--min-seconds", str(cfg["min_seconds"])]
    if workload == "W2":
        common += ["--epochs", str(cfg["w2_epochs"])]
    if workload == "W3":
        common += ["--epochs", str(cfg["w3_epochs"])]
        if variant == "relu_sgd":
            common += ["--optimizer", "sgd"]
    if workload == "W4":
        common += ["--batch", str(cfg["w4_batch"])]
    if framework == "annlab":
        return [bins["bench_workloads"]] + common
    if framework in ("pytorch", "sklearn"):
        script = "torch_peer.py" if framework == "pytorch" else "sklearn_peer.py"
        return [sys.executable, os.path.join(HERE, script)] + common
    if framework == "fann":
        return [bins["bench_fann_f64" if workload == "W1" else "bench_fann_f32"]] + common
    if framework == "openblas_sgemm":
        return [bins["bench_sgemm"], "--threads", str(threads), "--batch", "128",
                "--seconds", "1" if cfg["reps"] > 1 else "0.3"]
    return None


def available(build_bench):
    """Programs and Python modules found; returns (bins, frameworks present, missing notes)."""
    bins = {n: os.path.join(build_bench, n)
            for n in ("bench_workloads", "bench_fann_f32", "bench_fann_f64", "bench_sgemm",
                      "bench_peak", "bench_memory")}
    have, missing = set(), []
    exe = {n: os.access(p, os.X_OK) for n, p in bins.items()}
    if exe["bench_workloads"]:
        have.add("annlab")
    else:
        missing.append(f"annlab: {bins['bench_workloads']} not built "
                       "(cmake --build --preset release --target bench_workloads)")
    mods = {m: find_spec(m) is not None for m in ("torch", "sklearn", "threadpoolctl")}
    if not mods["threadpoolctl"]:
        missing.append("PyTorch, scikit-learn: python3-threadpoolctl missing "
                       "(bench/install-peers.sh)")
    else:
        for fw, mod, pkg in (("pytorch", "torch", "python3-torch"),
                             ("sklearn", "sklearn", "python3-sklearn")):
            if mods[mod]:
                have.add(fw)
            else:
                missing.append(f"{NAMES[fw]}: {pkg} missing (bench/install-peers.sh)")
    if exe["bench_fann_f32"] and exe["bench_fann_f64"]:
        have.add("fann")
    else:
        missing.append("FANN: bench_fann_f32/f64 not built (libfann-dev missing when CMake "
                       "configured? bench/install-peers.sh, then reconfigure)")
    if exe["bench_sgemm"]:
        have.add("openblas_sgemm")
    else:
        missing.append("OpenBLAS sgemm: bench_sgemm not built (libopenblas-dev missing when "
                       "CMake configured? bench/install-peers.sh, then reconfigure)")
    if exe["bench_peak"]:
        have.add("machine")
    else:
        missing.append("the FMA ceiling: bench_peak not built (no C compiler or threads "
                       "library when CMake configured?)")
    if not exe["bench_memory"]:
        missing.append("the memory goal: bench_memory not built")
    return bins, have, missing


def run_one(cmd, env, timeout):
    """Runs one measurement; returns (JSON records, error text or None, seconds)."""
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return [], f"timed out after {timeout} s", time.perf_counter() - t0
    seconds = time.perf_counter() - t0
    records = []
    for line in p.stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                pass
    if p.returncode != 0 or not records:
        tail = (p.stderr.strip().splitlines() or ["(no output)"])[-1]
        return records, f"exit {p.returncode}: {tail}", seconds
    return records, None, seconds


def key(r):
    return (r["workload"], r.get("variant"), r.get("mode"), r["threads"], r["framework"])


def medians(results):
    """{key: {field: median over repetitions}} for every numeric field."""
    groups = {}
    for r in results:
        groups.setdefault(key(r), []).append(r)
    out = {}
    for k, rs in groups.items():
        fields = {f for r in rs for f, v in r.items()
                  if isinstance(v, (int, float)) and not isinstance(v, bool)}
        out[k] = {f: statistics.median([r[f] for r in rs if f in r]) for f in fields}
        out[k]["reps"] = len(rs)
        notes = sorted({r["note"] for r in rs if "note" in r})
        if notes:
            out[k]["note"] = "; ".join(notes)
    return out


def fmt(v):
    """3 significant digits, with k/M for large numbers."""
    if v is None:
        return "—"
    a = abs(v)
    if a >= 1e6:
        return f"{v / 1e6:.3g} M"
    if a >= 1e3:
        return f"{v / 1e3:.3g} k"
    return f"{v:.3g}"


def fmt_ratio(x):
    return f"{x:.0f}" if x >= 100 else f"{x:.2f}"


def report(meta, med, cfg, threads_list, present, missing, failures):
    """The Markdown report."""
    m = meta["machine"]
    fws = [f for f in ["annlab"] + PEERS if f in present]  # not "machine": the goals' context
    lines = []
    w = lines.append
    w(f"### annlab vs peers ({meta['mode']} mode, {cfg['reps']} repetition(s), medians)")
    w("")
    w(f"Measured {meta['started']} on {m['cpu']}, {m['cores']} cores "
      f"({m['threads_per_core']} thread(s) per core, {m['hypervisor'] or 'bare metal'}), "
      f"{', '.join(m['vector'])}; L2 {m['l2']}, L3 {m['l3']}. {m['os']}, kernel {m['kernel']}, "
      f"{m['compiler']}, {m['build_type']}, -march=native {m['march_native']}. "
      f"annlab {m['annlab_commit']}. Load average at start "
      f"{' / '.join(f'{x:.2f}' for x in m['load_average_at_start'])}, at end "
      f"{' / '.join(f'{x:.2f}' for x in meta['load_average_at_end'])}.")
    v = m["versions"]
    w(f"Versions (Debian packages): PyTorch {v['torch']}, scikit-learn {v['sklearn']}, "
      f"NumPy {v['numpy']}, FANN {v['fann']}, OpenBLAS {v['openblas']}, Eigen {v['eigen']}, "
      f"Python {v['python']}. BLAS kernels that ran: {meta['kernels'] or 'none reported'}.")
    w("")
    peers = [f for f in fws if f != "annlab"]
    head = ["workload", "thr", "figure"] + [NAMES[f] for f in fws] + \
           [f"annlab ÷ {NAMES[f]}" for f in peers]
    w("| " + " | ".join(head) + " |")
    w("|" + "---|" * len(head))
    for workload, mode, field, label, higher in FIGURES:
        for wl, variant, who in CELLS:
            if wl != workload or (wl, variant) in CONTEXT:
                continue
            for t in threads_list:
                vals = {f: med.get((wl, variant, mode, t, f), {}).get(field) for f in fws}
                if all(x is None for x in vals.values()):
                    continue
                name = f"{wl} {variant}" + (f" {mode}" if mode else "")
                row = [name, str(t), label] + [fmt(vals[f]) for f in fws]
                for f in peers:
                    a, p = vals.get("annlab"), vals[f]
                    if a is None or p is None or a == 0 or p == 0:
                        row.append("—")
                    else:  # a speed ratio either way: > 1 means annlab is faster
                        row.append(fmt_ratio(a / p if higher else p / a))
                w("| " + " | ".join(row) + " |")
    w("")
    w("Ratios are speed ratios: above 1, annlab is faster (for ns and µs, the peer's time "
      "÷ annlab's). annlab's thr 2 rows run with 2 threads (TrainConfig::threads, "
      "ANNLAB_THREADS), with the same results as 1 thread: W3's batches and W4's chunks of "
      "rows run as two fixed row halves (one thread each; W3's gradient is then written by "
      "two fixed halves of every layer's nodes); W1, W2's batches of 32 rows and W4's one "
      "row are too small to cut. FANN is single-threaded.")
    w("")
    # Correctness: the same numbers from the same math.
    head = ["workload", "thr", "check"] + [NAMES[f] for f in fws if f != "openblas_sgemm"] + \
           ["reference or noise band"]
    w("| " + " | ".join(head) + " |")
    w("|" + "---|" * len(head))
    for workload, field, label, digits in CHECKS:
        for wl, variant, who in CELLS:
            if wl != workload or (wl, variant) in CONTEXT:
                continue
            for t in threads_list:
                vals = {f: med.get((wl, variant, None, t, f), {}).get(field) for f in fws}
                if all(x is None for x in vals.values()):
                    continue
                ref = ""
                if wl == "W1":
                    ref = f"{data.chapter_reference(10):.12g} (chapter, NumPy)"
                elif field in ("final_mse", "final_loss") and meta["seed_band"].get(
                        f"{wl} {variant}"):
                    b = meta["seed_band"][f"{wl} {variant}"]
                    ref = (f"annlab, {len(b)} other row orders: {min(b):.4g} – {max(b):.4g}")
                row = [f"{wl} {variant}", str(t), label] + \
                      ["—" if vals[f] is None else f"{vals[f]:.{digits}g}"
                       for f in fws if f != "openblas_sgemm"] + [ref]
                w("| " + " | ".join(row) + " |")
    w("")
    w("The same math from the same start and the same batches gives the same numbers to "
      "rounding where training damps rounding differences (W1, W2 tanh) and to 3-4 digits "
      "on W3. ReLU training at W2's settings amplifies them (the summation order of the "
      "products and sums differs between Eigen and OpenBLAS, and even between two heap "
      "alignments inside annlab) into final MSEs up to ~20% apart: compare those with the "
      "noise band, the spread of annlab's own result over other row orders.")
    w("")
    w("Notes")
    w("")
    for n in meta["notes"]:
        w(f"- {n}")
    for n in missing:
        w(f"- not run: {n}")
    for f in failures:
        w(f"- FAILED: {f}")
    return "\n".join(lines)


# Issue #6's goals. Each ratio is paired within a repetition (annlab and the peer ran one
# after the other) and quoted as the median over repetitions with their range, so a goal
# that only a noisy repetition meets or misses shows as such. Shares of the FMA ceiling
# count the flops the products make (2 per multiply-add: forward, weight gradients, input
# gradients past the first layer: common.product_flops), not the nominal 6·weights of the
# GFLOP/s column.
W2_FLOPS = product_flops([8, 64, 64, 1])  # per sample
W3_FLOPS = product_flops([784, 512, 512, 10])


def by_rep(results):
    """{(workload, variant, mode, threads, framework): {rep: record}}."""
    out = {}
    for r in results:
        out.setdefault(key(r), {})[r.get("rep", 0)] = r
    return out


def spread(values, form):
    """(median, 'median (min–max)') of per-repetition values; (None, '—') without any."""
    values = [v for v in values if v is not None]
    if not values:
        return None, "—"
    med = statistics.median(values)
    if len(values) == 1 or min(values) == max(values):
        return med, form(med)
    return med, f"{form(med)} ({form(min(values))}–{form(max(values))})"


def paired(reps, a, b, fn, field):
    """fn(value of a, value of b) for every repetition where both have `field`."""
    ra, rb = reps.get(a, {}), reps.get(b, {})
    return [fn(ra[k][field], rb[k][field]) for k in sorted(ra)
            if k in rb and ra[k].get(field) and rb[k].get(field)]


def peer_values(reps, cell, rep, field):
    """The peers' (not sgemm's) values of `field` in repetition `rep` of `cell`."""
    wl, variant, mode, t = cell
    return [reps[(wl, variant, mode, t, f)][rep][field] for f in PEERS
            if f != "openblas_sgemm" and rep in reps.get((wl, variant, mode, t, f), {})
            and reps[(wl, variant, mode, t, f)][rep].get(field)]


def best_peer(reps, cell, field, higher):
    """Per repetition: annlab's speed ratio to the best peer of that repetition."""
    out = []
    for rep, a in sorted(reps.get(cell + ("annlab",), {}).items()):
        peers = peer_values(reps, cell, rep, field)
        if peers and a.get(field):
            out.append(a[field] / max(peers) if higher else min(peers) / a[field])
    return out


def ceiling(reps, precision, t):
    """The median FMA ceiling (GFLOP/s) on t cores, or None."""
    vals = [r["gflops"] for r in reps.get(("peak", "fma", precision, t, "machine"), {}).values()
            if r.get("gflops")]
    return statistics.median(vals) if vals else None


def memory_goal(bins):
    """bench_memory's line and whether it met its budget (exit 0), or None."""
    if not os.access(bins.get("bench_memory", ""), os.X_OK):
        return None
    try:
        p = subprocess.run([bins["bench_memory"]], capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.SubprocessError) as e:
        return f"bench_memory failed: {e}", False
    return p.stdout.strip() or p.stderr.strip(), p.returncode == 0


def goals(results, threads_list, memory):
    """The goals table of issue #6, from this run alone. The goals name 1 and 2 threads;
    other thread counts get the rows that hold for any count (W1, W3 against sgemm, W4)."""
    reps = by_rep(results)
    x = lambda v: f"{v:.2f}x"  # noqa: E731
    pct = lambda v: f"{100 * v:.0f} %"  # noqa: E731
    rows = []

    def add(goal, text, met):
        rows.append(f"| {goal} | {text} | {'—' if met is None else 'yes' if met else 'no'} |")

    def share(gflops, t):
        peak = ceiling(reps, "f32", t)
        return f", {pct(gflops / peak)} of the FMA ceiling" if peak else ""

    # W1: at most 50 ns per step ("3x FANN" on the machine, where FANN took 0.15 µs).
    for t in threads_list:
        cell = ("W1", "sigmoid", None, t)
        ns = [r.get("ns_per_step") for r in reps.get(cell + ("annlab",), {}).values()]
        med, text = spread(ns, lambda v: f"{v:.1f} ns")
        if med is None:
            continue
        fann = paired(reps, cell + ("fann",), cell + ("annlab",), lambda f, a: f / a, "ns_per_step")
        if fann:
            text += f"; FANN ÷ annlab {spread(fann, x)[1]}"
        add(f"W1 step <= 50 ns ({t} thr)", text, med <= 50)
    # W2: at least 20x the best peer at 1 thread, more at 2.
    r1 = {}
    for t in [t for t in (1, 2) if t in threads_list]:
        for variant in ("relu", "tanh"):
            cell = ("W2", variant, None, t)
            med, text = spread(best_peer(reps, cell, "samples_per_s", True), x)
            if med is None:
                continue
            if t == 1:
                r1[variant] = med
                best = [max(v) for v in (peer_values(reps, cell, k, "samples_per_s")
                                         for k in reps.get(cell + ("annlab",), {})) if v]
                need = 20 * statistics.median(best)
                text += (f"; 20x needs {fmt(need)} samples/s = {need * W2_FLOPS * 1e-9:.0f} "
                         f"GFLOP/s of products" + share(need * W2_FLOPS * 1e-9, 1))
                add(f"W2 {variant} >= 20x the best peer (1 thr)", text, med >= 20)
            else:
                add(f"W2 {variant}, 2 thr: >= 20x, more than at 1 thr", text,
                    med >= max(20, r1.get(variant, 0)))
    # W3: 1.2x the best peer at 1 thread, 1.3x at 2; 85 % of OpenBLAS sgemm.
    for t, need in ((1, 1.2), (2, 1.3)):
        if t in threads_list:
            med, text = spread(best_peer(reps, ("W3", "relu", None, t), "samples_per_s", True), x)
            if med is not None:
                add(f"W3 >= {need}x the best peer ({t} thr)", text, med >= need)
    for t in threads_list:
        sg = ("W3", "relu", None, t, "openblas_sgemm")
        ours = ("W3", "relu", None, t, "annlab")
        med, text = spread(paired(reps, ours, sg, lambda a, b: a / b, "samples_per_s"), pct)
        if med is None:
            continue
        sgd = paired(reps, ("W3", "relu_sgd", None, t, "annlab"), sg, lambda a, b: a / b,
                     "samples_per_s")
        if sgd:
            text += f"; with plain SGD instead of Adam {spread(sgd, pct)[1]}"
        s = [r["samples_per_s"] for r in reps.get(ours, {}).values() if r.get("samples_per_s")]
        if s:
            text += "; annlab's products" + share(statistics.median(s) * W3_FLOPS * 1e-9, t)
        add(f"W3 >= 85 % of OpenBLAS sgemm ({t} thr)", text, med >= 0.85)
    # W4: one row at most 0.5 µs; batched at least 1.5x the best peer.
    for t in threads_list:
        for variant in ("relu", "tanh"):
            us = [r.get("latency_us") for r in
                  reps.get(("W4", variant, "single", t, "annlab"), {}).values()]
            med, text = spread(us, lambda v: f"{v:.3f} µs")
            if med is not None:
                add(f"W4 {variant} one row <= 0.5 µs ({t} thr)", text, med <= 0.5)
            med, text = spread(best_peer(reps, ("W4", variant, "batch", t), "rows_per_s", True),
                               x)
            if med is not None:
                add(f"W4 {variant} batch >= 1.5x the best peer ({t} thr)", text, med >= 1.5)
    # Threads: 2 threads at least 1.7x one on W3; the same results on every thread count.
    if 1 in threads_list and 2 in threads_list:
        def scaling(fw, variant="relu", wl="W3", mode=None, field="samples_per_s"):
            return paired(reps, (wl, variant, mode, 2, fw), (wl, variant, mode, 1, fw),
                          lambda a, b: a / b, field)
        med, text = spread(scaling("annlab"), x)
        if med is not None:
            context = [("with plain SGD", scaling("annlab", "relu_sgd"))]
            context += [(NAMES[f], scaling(f)) for f in ("openblas_sgemm", "pytorch")]
            context.append(("the FMA ceiling", scaling("machine", "fma", "peak", "f32", "gflops")))
            text += "; " + ", ".join(f"{n} {spread(v, x)[1]}" for n, v in context if v)
            add("W3: 2 threads >= 1.7x one", text, med >= 1.7)
    same = []
    for wl, variant, field in (("W2", "relu", "final_mse"), ("W2", "tanh", "final_mse"),
                               ("W3", "relu", "final_loss")):
        vals = {repr(r[field]) for t in threads_list
                for r in reps.get((wl, variant, None, t, "annlab"), {}).values() if field in r}
        if vals:
            same.append((f"{wl} {variant}", len(vals) == 1))
    if same:
        add("the same result on every thread count",
            ", ".join(f"{n}: {'bit-identical' if ok else 'DIFFERENT'}" for n, ok in same) +
            f" (final loss, threads {', '.join(map(str, threads_list))}, every repetition)",
            all(ok for _, ok in same))
    if memory:
        add("W3 training peak < 2 x (parameters + Adam state + one batch)", memory[0], memory[1])
    ceil = [f"{prec} " + ", ".join(f"{ceiling(reps, prec, t):.0f} on {t}" for t in threads_list
                                   if ceiling(reps, prec, t))
            for prec in ("f32", "f64") if any(ceiling(reps, prec, t) for t in threads_list)]
    head = ["### Against the goals of issue #6 (this run; per-repetition pairs, median (range))",
            "", "| goal | measured | met |", "|---|---|---|"]
    tail = [""]
    if ceil:
        tail.append(f"FMA ceiling (bench_peak, GFLOP/s on that many cores): {'; '.join(ceil)}.")
    return "\n".join(head + rows + tail)


def notes(med, threads_list, env0):
    """The fixed differences between frameworks, plus what this run measured about them."""
    out = [
        "Same data, same initial parameters (PyTorch's nn.Linear distribution, drawn once by "
        "NumPy) and, for annlab, PyTorch, scikit-learn and FANN, the same row order: annlab's "
        "fit() shuffles with its own seeded Fisher-Yates, data.py replays it for the peers "
        "(scikit-learn through its shuffle function, replaced).",
        "W1 is float64 everywhere; W2-W4 float32. W1's figure is the median of repeated "
        "1000-step runs; scikit-learn's includes its fit() setup (one fit = 1000 one-sample "
        "epochs).",
        "PyTorch ran with OMP_WAIT_POLICY=PASSIVE (and torch.set_num_threads, "
        "OMP_NUM_THREADS, OPENBLAS_NUM_THREADS = the thread count); without it its OpenMP "
        "workers spin and its 2-thread figures collapse on 2 cores.",
        "PyTorch and scikit-learn run their matrix products through OpenBLAS (Debian's "
        "libblas.so.3 alternative); the peers ran with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE "
        "unset (" + (", ".join(f"were {k}={v}" for k, v in env0.items() if v is not None)
                     or "neither was set here") + ").",
        "scikit-learn: squared error is ½·mean((ŷ-y)²), so W2 uses learning_rate_init = "
        "2·0.01 (the same steps); its Adam adds ε before the bias correction (W3's loss "
        "differs slightly for that); every fit() also validates the input and computes the "
        "weights' squared norm per batch (timed: it is what scikit-learn costs).",
        "FANN 2.2: no ReLU (only the tanh variants) and no mini-batch with momentum (its batch "
        "mode drops momentum). W2 tanh trains one row at a time (fann_train) in the same order "
        "with momentum 0.9 and η' = 2·0.01/32 per row (the same distance per epoch): another "
        "algorithm, so its MSE is indicative only. W1 is fann_train on the one sample: the "
        "same math (FANN keeps η as a float, 0.2f: its O6 differs by ~1e-10). W4 batch is a "
        "loop of fann_run (no batched forward). Sigmoid steepness 0.5 = logistic, tanh = "
        "FANN_SIGMOID_SYMMETRIC with steepness 1, FANN_LINEAR output with steepness 1, error "
        "function FANN_ERRORFUNC_LINEAR.",
        "OpenBLAS sgemm: only the 8 matrix products of one W3 step at batch 128 (forward, "
        "weight gradients, input gradients of layers 2-3): the practical limit, not a "
        "framework. Its GFLOP/s uses the same nominal 6·weights count; the products it makes "
        "are 80% of that (no input gradient for layer 1).",
    ]
    for wl in ("W2", "W3"):
        for variant in ("relu", "tanh"):
            r = med.get((wl, variant, None, threads_list[0], "annlab"))
            if r and r.get("seconds") and r.get("epoch_end_pass_s") is not None:
                out.append(f"annlab {wl} {variant}: fit() recorded the mean of the batch "
                           f"losses (epoch_loss batch_mean), like the peers' loops, which make "
                           f"no pass over the rows after an epoch; its default (full_pass) "
                           f"would add one, about "
                           f"{100 * r['epoch_end_pass_s'] / r['seconds']:.0f}% of this time.")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(REPO, "build", "release"),
                    help="CMake build folder with bench/bench_workloads (default build/release)")
    ap.add_argument("--quick", action="store_true", help="smaller sizes, 1 repetition")
    ap.add_argument("--reps", type=int, help="repetitions (full: 3, quick: 1)")
    ap.add_argument("--threads", default="1,2", help="thread counts, e.g. 1,2")
    ap.add_argument("--only", help="workloads, e.g. W2,W3")
    ap.add_argument("--frameworks", help="e.g. annlab,pytorch (default: all found; the FMA "
                                         "ceiling, bench_peak, always runs)")
    ap.add_argument("--out", help="JSON results (default BUILD/bench-results[-quick].json); "
                                  "the Markdown report goes next to it (.md)")
    ap.add_argument("--timeout", type=int, default=600, help="seconds per measurement")
    a = ap.parse_args()

    mode = "quick" if a.quick else "full"
    cfg = dict(MODES[mode])
    if a.reps:
        cfg["reps"] = a.reps
    threads_list = [int(t) for t in a.threads.split(",")]
    build = os.path.abspath(a.build)
    bins, present, missing = available(os.path.join(build, "bench"))
    if a.frameworks:  # the FMA ceiling stays: it is the goals table's context, not a peer
        present &= set(a.frameworks.split(",")) | {"machine"}
    if "annlab" not in present:
        sys.exit("run.py: annlab's bench_workloads is needed: " + "; ".join(missing))
    only = set(a.only.split(",")) if a.only else None
    out = a.out or os.path.join(build, f"bench-results{'-quick' if a.quick else ''}.json")
    env0 = {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}

    started = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    meta = {"mode": mode, "started": started, "config": cfg, "threads": threads_list,
            "machine": machine(build)}
    folder = os.path.join(build, "bench-data", mode)
    t0 = time.perf_counter()
    print(f"run.py: data in {folder}", file=sys.stderr)
    data.write(folder, cfg["w2_rows"], cfg["w2_epochs"], cfg["w3_rows"], cfg["w3_epochs"])
    print(f"run.py: data ready ({time.perf_counter() - t0:.1f} s)", file=sys.stderr)

    results, failures, runs = [], [], []
    for rep in range(cfg["reps"]):
        for workload, variant, who in CELLS:
            if only and workload not in only and workload != "peak":
                continue
            for t in threads_list:
                fws = [f for f in who if f in present]
                if not fws:
                    continue
                k = rep % len(fws)
                for f in fws[k:] + fws[:k]:  # alternate, rotating who goes first
                    cmd = command(f, workload, variant, t, cfg, bins, folder)
                    records, error, seconds = run_one(cmd, environment(f, t), a.timeout)
                    for r in records:
                        r["rep"] = rep
                    results += records
                    label = f"rep {rep + 1}/{cfg['reps']} {workload} {variant} thr {t} {f}"
                    runs.append({"what": label, "command": shlex.join(cmd), "seconds": seconds,
                                 "error": error})
                    print(f"run.py: {label}: {seconds:.1f} s" + (f" FAILED {error}" if error
                                                                  else ""), file=sys.stderr)
                    if error:
                        failures.append(f"{label}: {error} ({shlex.join(cmd)})")

    # The noise band of the correctness checks: annlab with other row orders (1 thread).
    band = {}
    for workload, variant, who in CELLS:
        n = cfg["seeds"].get(workload, 0)
        if (only and workload not in only) or not n or (workload, variant) in CONTEXT:
            continue
        field = "final_mse" if workload == "W2" else "final_loss"
        for seed in range(1, n + 1):
            cmd = command("annlab", workload, variant, 1, cfg, bins, folder) + ["--seed", str(seed)]
            records, error, seconds = run_one(cmd, environment("annlab", 1), a.timeout)
            label = f"seed band {workload} {variant} seed {seed}"
            runs.append({"what": label, "command": shlex.join(cmd), "seconds": seconds,
                         "error": error})
            print(f"run.py: {label}: {seconds:.1f} s" + (f" FAILED {error}" if error else ""),
                  file=sys.stderr)
            if error:
                failures.append(f"{label}: {error} ({shlex.join(cmd)})")
            for r in records:
                band.setdefault((workload, variant), []).append(r[field])
    meta["seed_band"] = {f"{w} {v}": vals for (w, v), vals in band.items()}

    meta["load_average_at_end"] = os.getloadavg()
    meta["seconds"] = time.perf_counter() - t0
    kernels = sorted({f"{NAMES[r['framework']]}: {lib['internal_api']} {lib.get('version', '')} "
                      f"{lib['architecture']}"
                      for r in results for lib in r.get("libraries", []) if "architecture" in lib} |
                     {f"OpenBLAS sgemm: {r['corename']}" for r in results if "corename" in r})
    meta["kernels"] = "; ".join(kernels)
    med = medians(results)
    meta["notes"] = notes(med, threads_list, env0)
    memory = memory_goal(bins) if not only or "W3" in only else None
    if memory:
        meta["memory"] = {"line": memory[0], "met": memory[1]}
    try:
        goals_text = goals(results, threads_list, memory)
    except Exception as e:  # noqa: BLE001 - the figures above must still be written
        goals_text = f"(the goals table could not be made: {type(e).__name__}: {e})"
        failures.append(f"goals table: {type(e).__name__}: {e}")
    text = report(meta, med, cfg, threads_list, present, missing, failures) + "\n\n" + \
        goals_text
    print(text)
    doc = {"meta": meta, "results": results, "runs": runs,
           "medians": [dict(zip(("workload", "variant", "mode", "threads", "framework"), k), **v)
                       for k, v in sorted(med.items(), key=lambda kv: str(kv[0]))],
           "missing": missing, "failures": failures}
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w") as f:
        json.dump(doc, f, indent=1)
    with open(os.path.splitext(out)[0] + ".md", "w") as f:
        f.write(text + "\n")
    print(f"run.py: {meta['seconds']:.0f} s; results in {out} and "
          f"{os.path.splitext(out)[0]}.md", file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
