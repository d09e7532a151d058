#!/usr/bin/python3
"""Golden trajectories for annlab's optimizers, from the published update rules in NumPy.

This is the independent source of tests/fixtures/train/optimizers.json. It shares no code
with annlab: each rule below is transcribed from its publication or PyTorch's documented
algorithm, and run for 20 steps on a fixed quadratic

    f(θ) = ½ θᵀAθ - bᵀθ,   ∇f(θ) = Aθ - b   (A symmetric positive definite, 5 x 5)

with a learning rate given per step (some cases vary it, which separates the momentum
conventions). The fixture stores A, b, θ0 and, per case, the parameters after every step.

    /usr/bin/python3 tools/optimizers_numpy.py > tests/fixtures/train/optimizers.json

With --check-torch (needs Debian's python3-torch) the same cases are also run through
torch.optim in float64 and every step compared to 1e-12; nothing is printed to stdout.
"""
import argparse
import json
import sys

import numpy as np

STEPS = 20


def problem():
    rng = np.random.RandomState(2024)
    m = rng.uniform(-1.0, 1.0, size=(5, 5))
    # SPD, eigenvalues between 0.5 and a few. Products are summed with np.sum, not BLAS, so
    # the fixture does not depend on which BLAS NumPy is linked to.
    a = np.sum(m[:, :, None] * m[:, None, :], axis=0) + 0.5 * np.eye(5)
    b = rng.uniform(-1.0, 1.0, size=5)
    theta0 = rng.uniform(-1.0, 1.0, size=5)
    return a, b, theta0


def constant(lr):
    return [lr] * STEPS


def varying(lr):
    # η_t = lr / (1 + 0.1 t), t = 0..19: a decaying rate, as a schedule would give.
    return [lr / (1.0 + 0.1 * t) for t in range(STEPS)]


CASES = [
    dict(name="gd", optimizer="gd", learning_rates=constant(0.1)),
    dict(name="gd_weight_decay", optimizer="gd", learning_rates=varying(0.1), weight_decay=0.05),
    dict(name="momentum", optimizer="momentum", learning_rates=constant(0.05), momentum=0.9),
    dict(name="momentum_varying_rate_weight_decay", optimizer="momentum",
         learning_rates=varying(0.08), momentum=0.8, weight_decay=0.01),
    dict(name="nesterov", optimizer="nesterov", learning_rates=constant(0.05), momentum=0.9),
    dict(name="nesterov_varying_rate_weight_decay", optimizer="nesterov",
         learning_rates=varying(0.08), momentum=0.7, weight_decay=0.02),
    dict(name="rmsprop", optimizer="rmsprop", learning_rates=constant(0.01), rho=0.9,
         epsilon=1e-8),
    dict(name="rmsprop_weight_decay", optimizer="rmsprop", learning_rates=varying(0.02),
         rho=0.99, epsilon=1e-6, weight_decay=0.01),
    dict(name="adam", optimizer="adam", learning_rates=constant(0.05), beta1=0.9, beta2=0.999,
         epsilon=1e-8),
    dict(name="adam_l2", optimizer="adam", learning_rates=constant(0.05), beta1=0.9,
         beta2=0.999, epsilon=1e-8, weight_decay=0.1),
    dict(name="adamw", optimizer="adamw", learning_rates=constant(0.05), beta1=0.9,
         beta2=0.999, epsilon=1e-8, weight_decay=0.1),
    dict(name="adamw_varying_rate", optimizer="adamw", learning_rates=varying(0.1), beta1=0.8,
         beta2=0.99, epsilon=1e-6, weight_decay=0.3),
]
DEFAULTS = dict(momentum=0.0, rho=0.9, beta1=0.9, beta2=0.999, epsilon=1e-8, weight_decay=0.0)


def run_numpy(case, a, b, theta0):
    c = dict(DEFAULTS, **case)
    wd = c["weight_decay"]
    theta = theta0.copy()
    v = np.zeros_like(theta)  # velocity / squared-gradient average / second moment
    m = np.zeros_like(theta)  # first moment
    out = []
    for t, lr in enumerate(c["learning_rates"], start=1):
        g = np.sum(a * theta[None, :], axis=1) - b
        kind = c["optimizer"]
        if kind != "adamw":
            g = g + wd * theta  # L2 penalty (wd/2)|θ|² in the loss
        if kind == "gd":
            # Gradient descent: θ ← θ - η g.
            theta = theta - lr * g
        elif kind == "momentum":
            # PyTorch SGD (Sutskever et al. 2013 as PyTorch states it): v ← μv + g; θ ← θ - ηv.
            v = c["momentum"] * v + g
            theta = theta - lr * v
        elif kind == "nesterov":
            # PyTorch SGD(nesterov=True): v ← μv + g; θ ← θ - η(g + μv).
            v = c["momentum"] * v + g
            theta = theta - lr * (g + c["momentum"] * v)
        elif kind == "rmsprop":
            # Hinton's RMSprop (PyTorch, uncentered): s ← ρs + (1-ρ)g²; θ ← θ - ηg/(√s + ε).
            v = c["rho"] * v + (1.0 - c["rho"]) * g * g
            theta = theta - lr * g / (np.sqrt(v) + c["epsilon"])
        elif kind in ("adam", "adamw"):
            if kind == "adamw":
                # Loshchilov & Hutter, as PyTorch's AdamW applies it: θ ← θ - ηλθ first.
                theta = theta - lr * wd * theta
            # Kingma & Ba, Algorithm 1.
            b1, b2 = c["beta1"], c["beta2"]
            m = b1 * m + (1.0 - b1) * g
            v = b2 * v + (1.0 - b2) * g * g
            m_hat = m / (1.0 - b1 ** t)
            v_hat = v / (1.0 - b2 ** t)
            theta = theta - lr * m_hat / (np.sqrt(v_hat) + c["epsilon"])
        else:
            raise ValueError(kind)
        out.append(theta.copy())
    return out


def run_torch(case, a, b, theta0):
    import torch

    c = dict(DEFAULTS, **case)
    p = torch.nn.Parameter(torch.tensor(theta0, dtype=torch.float64))
    lr0 = c["learning_rates"][0]
    wd = c["weight_decay"]
    kind = c["optimizer"]
    if kind == "gd":
        opt = torch.optim.SGD([p], lr=lr0, weight_decay=wd)
    elif kind in ("momentum", "nesterov"):
        opt = torch.optim.SGD([p], lr=lr0, momentum=c["momentum"], weight_decay=wd,
                              nesterov=kind == "nesterov")
    elif kind == "rmsprop":
        opt = torch.optim.RMSprop([p], lr=lr0, alpha=c["rho"], eps=c["epsilon"], weight_decay=wd)
    elif kind == "adam":
        opt = torch.optim.Adam([p], lr=lr0, betas=(c["beta1"], c["beta2"]), eps=c["epsilon"],
                               weight_decay=wd)
    else:
        opt = torch.optim.AdamW([p], lr=lr0, betas=(c["beta1"], c["beta2"]), eps=c["epsilon"],
                                weight_decay=wd)
    ta = torch.tensor(a, dtype=torch.float64)
    tb = torch.tensor(b, dtype=torch.float64)
    out = []
    for lr in c["learning_rates"]:
        for group in opt.param_groups:
            group["lr"] = lr
        opt.zero_grad()
        p.grad = ta @ p.detach() - tb
        opt.step()
        out.append(p.detach().numpy().copy())
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check-torch", action="store_true",
                    help="compare every case with torch.optim (float64) to 1e-12")
    args = ap.parse_args()
    a, b, theta0 = problem()
    if args.check_torch:
        worst = 0.0
        for case in CASES:
            ours = run_numpy(case, a, b, theta0)
            theirs = run_torch(case, a, b, theta0)
            diff = max(float(np.max(np.abs(x - y))) for x, y in zip(ours, theirs))
            print(f"{case['name']:40s} max |numpy - torch| = {diff:.3e}", file=sys.stderr)
            worst = max(worst, diff)
        return 0 if worst <= 1e-12 else 1
    doc = {
        "source": "tools/optimizers_numpy.py",
        "problem": {"A": a.tolist(), "b": b.tolist(), "theta0": theta0.tolist(), "steps": STEPS},
        "cases": [],
    }
    for case in CASES:
        c = dict(DEFAULTS, **case)
        entry = {k: c[k] for k in ["name", "optimizer", "learning_rates", "momentum", "rho",
                                   "beta1", "beta2", "epsilon", "weight_decay"]}
        entry["trajectory"] = [x.tolist() for x in run_numpy(case, a, b, theta0)]
        doc["cases"].append(entry)
    json.dump(doc, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
