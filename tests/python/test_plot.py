"""annlab.plot: the diagram's elements follow the three toggles and the traced numbers; the
convergence panels plot every weight and bias; training histories plot too."""

from collections import Counter

import matplotlib.pyplot as plt
import numpy as np
import pytest

import annlab
import annlab.plot as ap


@pytest.fixture(scope="module")
def run():
    return annlab.chapter(epochs=30)


def gids(ax):
    return Counter(a.get_gid() for a in ax.get_children() if a.get_gid())


def test_diagram_with_every_toggle(run):
    ax = ap.network(run, epoch=5)
    g = gids(ax)
    assert sum(v for k, v in g.items() if k.startswith("connection")) == 8
    assert g["weight label"] == 8 and g["contribution label"] == 8
    assert g["gradient label"] == 8 and g["gradient arrow"] == 8
    assert g["node value label"] == 6 and g["node gradient label"] == 6
    assert g["bias label"] == 3
    t = run.at(5)
    texts = [a.get_text() for a in ax.texts]
    assert f"λ(1,4)={t['λ(1,4)']:.3f}" in texts
    contribution = t["λ(4,6)"] * t["H4"]
    assert f"{contribution:.3f}" in texts
    assert ax.get_title().startswith(f"epoch 5: prediction {t.prediction[0]:.3f}")
    # λ(2,4) is negative at the start: drawn red; λ(1,4) positive: blue.
    colors = {l.get_gid(): l.get_color() for l in ax.lines}
    assert colors["connection λ(2,4)"] == "tab:red" and colors["connection λ(1,4)"] == "tab:blue"
    plt.close("all")


def test_toggles_off(run):
    g = gids(ap.network(run, epoch=0, weights=False, forward=False, backprop=False))
    for label in ("weight label", "contribution label", "gradient label", "gradient arrow",
                  "node value label", "node gradient label", "bias label"):
        assert g[label] == 0
    g = gids(ap.network(run.at(3), weights=True, forward=False, backprop=True))
    assert g["weight label"] == 8 and g["gradient label"] == 8 and g["node value label"] == 0
    plt.close("all")


def test_convergence_panels(run):
    axes = ap.convergence(run, mark=10)
    assert [a.get_title() for a in axes] == ["prediction (target dashed)", "weights", "biases",
                                             "loss"]
    assert len(axes[1].lines) == 8 + 1 and len(axes[2].lines) == 3 + 1  # + the epoch marker
    np.testing.assert_array_equal(axes[1].lines[0].get_ydata(), run.frame()["λ(1,4)"])
    assert axes[0].get_xscale() == "symlog"
    fig = ap.dashboard(run, epoch=10)
    assert len(fig.axes) == 5
    plt.close("all")


def test_plots_of_a_training_run(well):
    X, y = well
    est = annlab.MLPRegressor((4,), "tanh", max_iter=30, random_state=0, n_iter_no_change=None,
                              probe_rows=(0,), history_every=5).fit(X, y)
    fig = ap.dashboard(est, epoch=10)
    assert len(fig.axes) == 5
    plain = annlab.MLPRegressor((4,), max_iter=5, random_state=0, n_iter_no_change=None)
    plain.fit(X, y)
    axes = ap.convergence(plain)
    assert [a.get_title() for a in axes] == ["loss", "mae", "r2", "rmse"]
    with pytest.raises(ValueError, match="probe_rows"):
        ap.network(plain)
    wide = annlab.Network([30, 20, 2], ["relu", "softmax"], "softmax_cross_entropy")
    g = gids(ap.network(wide.initialize("he", "zeros", 1).trace(np.ones(30), [1.0, 0.0])))
    connections = sum(v for k, v in g.items() if k.startswith("connection"))
    assert g["weight label"] == 0 and connections == 30 * 20 + 20 * 2
    plt.close("all")
