"""Python and the `annlab` CLI: the same seed and data give identical models, predictions and
histories; model files written by either are read by the other.

Bit-for-bit comparisons use networks whose every layer product is below the engine's
plain-loop threshold (B·p·k < 4096, src/core/propagate.cpp). Wider layers go through Eigen,
whose bias-gradient reduction (``dz.colwise().sum()`` in ``dense_backward``) sums in an
order that depends on the heap alignment of the engine's buffers, so two processes (or two
fits in one) can differ in the last bit; ``test_wide_network`` pins that down.
"""

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import mean_absolute_error, r2_score

import annlab


def cli_predictions(cli, model, csv, tmp_path):
    out = tmp_path / "predictions.csv"
    cli("predict", model, csv, "--out", out)
    return pd.read_csv(out, float_precision="round_trip", keep_default_na=False)


def train_like(cli, est, csv, tmp_path, *extra):
    """`annlab train CSV --config <the estimator's run configuration>`: the model file."""
    config = tmp_path / "run.json"
    config.write_text(est.model_.run_config, encoding="utf-8")
    out = tmp_path / "cli_model.json"
    cli("train", csv, "--config", config, "--out", out, "-q", *extra)
    return out


def test_regression_with_the_cli_options_is_bit_identical(cli, well, well_csv, tmp_path):
    X, y = well
    est = annlab.MLPRegressor((12, 8), "tanh", learning_rate_init=0.01, max_iter=100,
                              batch_size=32, random_state=1, alpha=0.0, n_iter_no_change=None)
    est.fit(X, y)
    out = tmp_path / "cli.json"
    history = tmp_path / "history.json"
    # The estimators report scikit-learn's loss_curve_ (epoch_loss="batch_mean"); the CLI's
    # default is full_pass.
    cli("train", well_csv, "--target", "Prod", "--drop", "Well", "--layers", "12,8",
        "--activation", "tanh", "--lr", "0.01", "--epochs", "100", "--batch", "32", "--seed", "1",
        "--epoch-loss", "batch_mean", "--out", out, "--history", history, "-q")
    cli_model = annlab.Model.load(out)
    np.testing.assert_array_equal(cli_model.parameters, est.model_.parameters)
    assert cli_model.features == est.model_.features
    assert cli_model.targets == est.model_.targets
    predicted = cli_predictions(cli, out, well_csv, tmp_path)["Prod_predicted"].to_numpy()
    np.testing.assert_array_equal(predicted, est.predict(X))
    epochs = json.loads(history.read_text(encoding="utf-8"))["epochs"]
    cli_loss = [e["loss"] for e in epochs if e["epoch"] > 0]
    np.testing.assert_array_equal(cli_loss, est.history_.train_loss)


def test_early_stopping_run_repeats_from_the_model_config(cli, well, well_csv, tmp_path):
    X, y = well
    est = annlab.MLPRegressor((12,), "relu", solver="rmsprop", learning_rate_init=0.005,
                              max_iter=400, batch_size=16, random_state=4, early_stopping=True,
                              validation_fraction=0.2, n_iter_no_change=8, alpha=1e-4,
                              schedule="step", step_size=20, factor=0.7, scale="standard",
                              scale_target="minmax11", init="he_uniform")
    est.fit(X, y)
    assert est.history_.stopped_early
    cli_model = annlab.Model.load(train_like(cli, est, well_csv, tmp_path))
    np.testing.assert_array_equal(cli_model.parameters, est.model_.parameters)
    assert cli_model.metrics == est.model_.metrics


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_classification_is_bit_identical(cli, digits, digits_csv, tmp_path, dtype):
    X, y = digits
    clf = annlab.MLPClassifier((6,), max_iter=12, batch_size=8, random_state=2,
                               early_stopping=True, validation_fraction=0.15,
                               n_iter_no_change=None, dtype=dtype, learning_rate_init=0.003)
    clf.fit(X, y)
    out = train_like(cli, clf, digits_csv, tmp_path)
    cli_model = annlab.Model.load(out)
    assert cli_model.float32 == (dtype == "float32")
    np.testing.assert_array_equal(cli_model.parameters, clf.model_.parameters)
    p = cli_predictions(cli, out, digits_csv, tmp_path)
    proba = p[[f"P(digit={k})" for k in range(10)]].to_numpy()
    np.testing.assert_array_equal(proba, clf.predict_proba(X))
    np.testing.assert_array_equal(p["digit_predicted"].to_numpy(), clf.predict(X))


def test_wide_network(cli, digits, digits_csv, tmp_path):
    """100 hidden units, batches of 200 (the benchmark's network): Python and the CLI agree to
    rounding; bit for bit only where the engine's buffers happen to align alike (see the
    module docstring)."""
    X, y = digits
    clf = annlab.MLPClassifier((100,), max_iter=10, batch_size=200, random_state=0,
                               n_iter_no_change=None).fit(X, y)
    out = train_like(cli, clf, digits_csv, tmp_path)
    cli_model = annlab.Model.load(out)
    np.testing.assert_allclose(cli_model.parameters, clf.model_.parameters, rtol=1e-9,
                               atol=1e-12)
    p = cli_predictions(cli, out, digits_csv, tmp_path)
    proba = p[[f"P(digit={k})" for k in range(10)]].to_numpy()
    np.testing.assert_allclose(proba, clf.predict_proba(X), rtol=1e-8, atol=1e-12)
    assert (p["digit_predicted"].to_numpy() == clf.predict(X)).mean() > 0.999


def test_cli_model_in_python(cli, iris_csv, tmp_path):
    out = tmp_path / "iris.json"
    cli("train", iris_csv, "--target", "species", "--layers", "8", "--activation", "tanh",
        "--epochs", "40", "--lr", "0.02", "--seed", "3", "--validation", "0.2", "--out", out, "-q")
    clf = annlab.load_model(out)
    assert isinstance(clf, annlab.MLPClassifier)
    assert clf.hidden_layer_sizes == (8,) and clf.activation == "tanh"
    assert clf.max_iter == 40 and clf.random_state == 3 and clf.early_stopping
    df = pd.read_csv(iris_csv, float_precision="round_trip")
    X = df.drop(columns=["species"])
    p = cli_predictions(cli, out, iris_csv, tmp_path)
    np.testing.assert_array_equal(p["species_predicted"].to_numpy(), clf.predict(X))
    proba_cols = [f"P(species={c})" for c in clf.classes_]
    np.testing.assert_array_equal(p[proba_cols].to_numpy(), clf.predict_proba(X))
    # Columns are matched by name, as the CLI matches a CSV's header.
    np.testing.assert_array_equal(clf.predict(X[X.columns[::-1]]), clf.predict(X))
    assert set(clf.metrics_) == {"train", "validation"} and "accuracy" in clf.metrics_["train"]
    # Refit in Python with the file's configuration: the same model again.
    again = annlab.MLPClassifier(**clf.get_params()).fit(X, df["species"])
    np.testing.assert_array_equal(again.model_.parameters, clf.model_.parameters)
    # A CLI model trains on in Python (its scaling kept).
    clf.partial_fit(X, df["species"])
    assert clf.n_iter_ == 1 and clf.model_.features == again.model_.features


def test_python_model_in_cli(cli, well, well_csv, tmp_path):
    X, y = well
    est = annlab.MLPRegressor((6,), "sigmoid", max_iter=50, random_state=9,
                              n_iter_no_change=None).fit(X, y)
    path = tmp_path / "py_model.json"
    est.save(path)
    p = cli_predictions(cli, path, well_csv, tmp_path)
    np.testing.assert_array_equal(p["Prod_predicted"].to_numpy(), est.predict(X))
    metrics = json.loads(cli("evaluate", path, well_csv, "--json").stdout)
    assert metrics["r2"] == pytest.approx(r2_score(y, est.predict(X)), rel=1e-12)
    assert metrics["mae"] == pytest.approx(mean_absolute_error(y, est.predict(X)), rel=1e-12)
    assert "6 columns -> 6 input nodes" in cli("inspect", path).stdout
    doc = json.loads(cli("trace", path, well_csv, "--row", "3", "--json").stdout)
    t = est.trace(X, y, row=3)
    for key in ("node_in", "node_out", "dL_dnode_in", "dL_dnode_out", "dL_dweights",
                "dL_dbiases"):
        np.testing.assert_array_equal(doc["trace"][key], getattr(t, key))
    assert annlab.load_model(path).predict(X).tolist() == est.predict(X).tolist()


def test_frame_with_a_categorical_column_matches_the_cli(cli, tmp_path):
    rng = np.random.default_rng(5)
    n = 90
    frame = pd.DataFrame({"Por": rng.uniform(5, 25, n).round(3),
                          "Facies": rng.choice(["sand", "shale", "silt"], n)})
    frame["Perm"] = (frame["Por"] * 2 + frame["Facies"].map({"sand": 5, "shale": -3, "silt": 0})
                     + rng.normal(0, 1, n)).round(4)
    csv = tmp_path / "facies.csv"
    frame.to_csv(csv, index=False)
    read = pd.read_csv(csv, float_precision="round_trip")
    est = annlab.MLPRegressor((8,), max_iter=40, batch_size=16, random_state=0,
                              n_iter_no_change=None)
    est.fit(read[["Por", "Facies"]], read["Perm"])
    cli_model = annlab.Model.load(train_like(cli, est, csv, tmp_path))
    np.testing.assert_array_equal(cli_model.parameters, est.model_.parameters)
    p = cli_predictions(cli, tmp_path / "cli_model.json", csv, tmp_path)
    np.testing.assert_array_equal(p["Perm_predicted"].to_numpy(), est.predict(read))
