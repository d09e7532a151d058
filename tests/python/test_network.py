"""The glass box from Python: parameters as views, forward, backward and trace against an
independent NumPy transcription and central finite differences, the chapter's worked example
against the NumPy fixture."""

import copy
import json
import pickle

import numpy as np
import pytest

import annlab
import numpy_reference as ref
from conftest import FIXTURES

CASES = [
    ([3, 2, 1], ["sigmoid", "identity"], "half_squared_error"),
    ([4, 5, 3, 2], ["tanh", "elu", "identity"], "mean_squared_error"),
    ([3, 6, 4], ["relu", "softmax"], "softmax_cross_entropy"),
    ([2, 4, 4, 3], ["leaky_relu:0.2", "softplus", "softmax"], "softmax_cross_entropy"),
]


def _network(widths, activations, loss, seed=3):
    net = annlab.Network(widths, activations, loss)
    # he_uniform weights and nonzero biases: no node sits on a ReLU kink by accident.
    return net.initialize("he_uniform", "constant", seed, bias_constant=0.05)


def _sample(widths, loss, rng):
    x = rng.uniform(-1, 1, widths[0])
    if loss == "softmax_cross_entropy":
        y = np.zeros(widths[-1])
        y[rng.integers(widths[-1])] = 1.0
    else:
        y = rng.uniform(-1, 1, widths[-1])
    return x, y


def test_parameters_are_views_of_the_engine_buffer():
    net = annlab.Network([3, 2, 1], ["sigmoid", "identity"]).initialize("xavier",
                                                                      "chapter_uniform", 13)
    p = net.parameters
    assert np.shares_memory(p, net.parameters)
    assert np.shares_memory(p, net.weights(1)) and np.shares_memory(p, net.biases(2))
    assert net.weights(1).shape == (2, 3) and net.biases(1).shape == (2,)
    x = np.array([0.5, 0.2, 0.7])
    before = net.forward(x)
    net.weights(2)[0, 1] += 0.5  # λ(5,6): the output moves by 0.5·H5
    h5 = net.trace(x, [0.3])["H5"]
    assert net.forward(x)[0] == pytest.approx(before[0] + 0.5 * h5, rel=1e-14)
    net.parameters[:] = 0.0
    assert net.forward(x)[0] == 0.0


def test_chapter_initial_values_from_the_chapter_text():
    # chapter.md §5: λ14 = 0.3206631, λ24 = -0.3030613, λ34 = 0.3744446, λ46 = 0.1542093,
    # b6 = -0.2324817, O6 = 0.0991164.
    net = annlab.Network([3, 2, 1], ["sigmoid", "identity"]).initialize("xavier",
                                                                      "chapter_uniform", 13)
    t = net.trace([0.5, 0.2, 0.7], [0.3])
    assert [round(t[n], 7) for n in ("λ(1,4)", "λ(2,4)", "λ(3,4)", "λ(4,6)", "b6")] == [
        0.3206631, -0.3030613, 0.3744446, 0.1542093, -0.2324817]
    assert round(float(t["O6"]), 7) == 0.0991164
    assert t.node_names == ["I1", "I2", "I3", "H4", "H5", "O6"]
    assert t.weight_names[:3] == ["λ(1,4)", "λ(2,4)", "λ(3,4)"]


@pytest.mark.parametrize("widths,activations,loss", CASES)
def test_forward_matches_numpy(widths, activations, loss):
    rng = np.random.default_rng(1)
    net = _network(widths, activations, loss)
    X = rng.uniform(-1, 1, (7, widths[0]))
    expected = np.array([ref.forward(widths, activations, net.parameters, x)[-1][1] for x in X])
    np.testing.assert_allclose(net.forward(X), expected, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(net.forward(X[0]), expected[0], rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("widths,activations,loss", CASES)
def test_trace_equals_finite_differences(widths, activations, loss):
    """Every node input and output against NumPy's forward pass; every dL/d (node inputs and
    outputs, input nodes included, weights, biases) against central differences of NumPy's
    loss."""
    rng = np.random.default_rng(7)
    net = _network(widths, activations, loss)
    x, y = _sample(widths, loss, rng)
    t = net.trace(x, y)
    params = net.parameters.copy()
    h = 1e-6
    L = lambda p=params, perturb=None: ref.sample_loss(widths, activations, loss, p, x, y, perturb)
    assert t.loss == pytest.approx(L(), rel=1e-13)

    values = ref.forward(widths, activations, params, x)
    k = 0
    for layer, (z, a) in enumerate(values):
        for i in range(widths[layer]):
            assert t.node_in[k] == pytest.approx(z[i], rel=1e-13, abs=1e-14)
            assert t.node_out[k] == pytest.approx(a[i], rel=1e-13, abs=1e-14)
            for quantity, traced in (("in", t.dL_dnode_in[k]), ("out", t.dL_dnode_out[k])):
                fd = ref.central(lambda d: L(perturb=(layer, i, quantity, d)), h)
                assert traced == pytest.approx(fd, rel=1e-6, abs=1e-8), (t.node_names[k], quantity)
            k += 1

    # Parameters, in the flat order: [W1, b1, W2, b2, ...].
    grads = {}
    for l in range(1, len(widths)):
        grads[l] = (net.weights(l, np.arange(len(params))), net.biases(l, np.arange(len(params))))
    flat = np.empty(len(params))
    for j in range(len(params)):
        def shifted(d, j=j):
            p = params.copy()
            p[j] += d
            return L(p)
        flat[j] = ref.central(shifted, h * max(1.0, abs(params[j])))
    fd_w = np.concatenate([flat[grads[l][0].ravel()] for l in grads])
    fd_b = np.concatenate([flat[grads[l][1]] for l in grads])
    np.testing.assert_allclose(t.dL_dweights, fd_w, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(t.dL_dbiases, fd_b, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("widths,activations,loss", CASES)
def test_backward_is_the_mean_of_the_per_sample_derivatives(widths, activations, loss):
    rng = np.random.default_rng(11)
    net = _network(widths, activations, loss)
    samples = [_sample(widths, loss, rng) for _ in range(5)]
    X = np.array([s[0] for s in samples])
    Y = np.array([s[1] for s in samples])
    mean_loss, grad = net.backward(X, Y)
    t = net.trace(X, Y)
    assert t.dL_dweights.shape == (5, len(net.weight_names))
    assert mean_loss == pytest.approx(np.mean([ref.sample_loss(widths, activations, loss,
                                                               net.parameters, x, y)
                                               for x, y in samples]), rel=1e-13)
    weights = np.concatenate([net.weights(l, grad).ravel() for l in range(1, len(widths))])
    biases = np.concatenate([net.biases(l, grad) for l in range(1, len(widths))])
    np.testing.assert_allclose(weights, t.dL_dweights.mean(axis=0), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(biases, t.dL_dbiases.mean(axis=0), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(t.mean_dL_dweights, weights, rtol=1e-12, atol=1e-15)


def test_trace_tables():
    net = annlab.Network([3, 2, 1], ["sigmoid", "identity"]).initialize("xavier",
                                                                      "chapter_uniform", 13)
    t = net.trace([0.5, 0.2, 0.7], [0.3])
    nodes = t.node_frame()
    assert list(nodes.index) == ["I1", "I2", "I3", "H4", "H5", "O6"]
    assert list(nodes.columns) == ["id", "layer", "index", "in", "out", "dL_din", "dL_dout"]
    # dL/dλ(4,6) = H4 · dL/dO6_in (the README's line).
    w = t.weight_frame()
    assert w.loc["λ(4,6)", "dL_dw"] == pytest.approx(nodes.loc["H4", "out"] *
                                                    nodes.loc["O6", "dL_din"], rel=1e-15)
    assert list(t.bias_frame().index) == ["b4", "b5", "b6"]
    long = t.frame()
    assert set(long.columns) == {"row", "name", "kind", "layer", "quantity", "value"}
    assert len(long) == 6 * 4 + 8 * 2 + 3 * 2


def test_chapter_reproduces_the_numpy_fixture():
    """Every epoch of the chapter's run against tests/fixtures/chapter_seed13.json, written by
    the chapter's own NumPy loop (tools/chapter_numpy.py)."""
    fixture = json.loads((FIXTURES / "chapter_seed13.json").read_text(encoding="utf-8"))
    run = annlab.chapter()
    assert len(run) == len(fixture["epochs"]) == 1001
    for state in fixture["epochs"]:
        t = run.at(state["epoch"])
        np.testing.assert_allclose(t.weights, state["weights"], rtol=0, atol=1e-12)
        np.testing.assert_allclose(t.biases, state["biases"], rtol=0, atol=1e-12)
        assert t.loss == pytest.approx(state["loss"], abs=1e-12)
        tr = state["traces"][0]
        for key in ("node_in", "node_out", "dL_dnode_in", "dL_dnode_out", "dL_dweights",
                    "dL_dbiases", "prediction"):
            np.testing.assert_allclose(getattr(t, key), tr[key], rtol=0, atol=1e-12)
    frame = run.frame()
    assert frame.loc[100, "O6[0]"] == pytest.approx(0.3, abs=5e-5)
    net = run.network(1000)
    assert net.forward(run.x)[0] == pytest.approx(run.at(1000).prediction[0], rel=1e-15)
    doc = json.loads(run.to_json())
    assert doc["format"] == "annlab.history" and len(doc["epochs"]) == 1001


def test_float32_network():
    net = _network([4, 8, 3], ["tanh", "softmax"], "softmax_cross_entropy")
    net32 = net.astype("float32")
    assert net32.dtype == np.float32 and net32.parameters.dtype == np.float32
    x, y = np.linspace(-1, 1, 4), np.array([0.0, 1.0, 0.0])
    t64, t32 = net.trace(x, y), net32.trace(x, y)
    np.testing.assert_allclose(t32.dL_dweights, t64.dL_dweights, rtol=2e-5, atol=1e-6)
    assert net32.forward(x).dtype == np.float32


def test_gradient_check():
    net = _network([3, 5, 2], ["sigmoid", "identity"], "half_squared_error")
    report = net.gradient_check(np.ones((2, 3)) * 0.3, np.zeros((2, 2)))
    assert len(report) == 3 * 5 + 5 + 5 * 2 + 2 + 2 * 3
    assert report["error"].max() < 1e-6


def test_copy_pickle_and_repr():
    net = _network([3, 4, 1], ["relu", "identity"], "mean_squared_error")
    for other in (net.copy(), copy.deepcopy(net), pickle.loads(pickle.dumps(net))):
        np.testing.assert_array_equal(other.parameters, net.parameters)
        assert not np.shares_memory(other.parameters, net.parameters)
        assert other.activations == net.activations
    assert "relu" in repr(net)


def test_errors_say_what_to_change():
    with pytest.raises(ValueError, match="unknown activation 'relux'"):
        annlab.Network([3, 2, 1], ["relux", "identity"])
    with pytest.raises(ValueError, match="softmax"):
        annlab.Network([3, 2, 1], ["softmax", "identity"])
    net = annlab.Network([3, 2, 1], ["sigmoid", "identity"])
    with pytest.raises(ValueError, match="expected rows of 3 values"):
        net.forward(np.zeros(4))
    with pytest.raises(IndexError):
        net.weights(3)


def test_docstring_examples():
    import doctest

    import annlab._history
    import annlab._network

    for module in (annlab._network, annlab._history):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted > 0, module.__name__
